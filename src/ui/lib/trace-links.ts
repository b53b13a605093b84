/**
 * Log lines that carry a trace id, cut into text and links to the trace viewer of the spec's
 * `tracing.ui` (`http://jaeger:16686/trace/{traceId}`). A trace id is recognised where a line
 * names it: a W3C traceparent (`00-<32 hex>-<16 hex>-<2 hex>`) or a `trace_id` / `traceId` /
 * `trace-id` / `trace.id` key followed by 32 hex digits (JSON or key=value logs).
 */
export type LogPart = { readonly text: string } | { readonly text: string; readonly traceId: string; readonly href: string };

const traceIdPattern =
  /\b[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}\b|\btrace[-_.]?id["']?\s*[:=]\s*["']?([0-9a-fA-F]{32})\b/gi;

export function traceLinkParts(line: string, template: string | null): readonly LogPart[] {
  if (template === null) return [{ text: line }];
  const parts: LogPart[] = [];
  let last = 0;
  for (const match of line.matchAll(traceIdPattern)) {
    const traceId = (match[1] ?? match[2] ?? '').toLowerCase();
    if (/^0+$/.test(traceId)) continue;
    const start = match.index + match[0].lastIndexOf(match[1] ?? match[2] ?? '');
    const end = start + traceId.length;
    if (start > last) parts.push({ text: line.slice(last, start) });
    parts.push({ text: line.slice(start, end), traceId, href: template.replaceAll('{traceId}', traceId) });
    last = end;
  }
  if (last < line.length || parts.length === 0) parts.push({ text: line.slice(last) });
  return parts;
}
