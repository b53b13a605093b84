/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as the router reads and writes it: a
 * strict traceparent parser (an invalid header starts a new trace, and its tracestate is dropped),
 * and the traceparent the router sends on, naming its own span as the parent.
 */

/** A valid incoming traceparent. */
export interface IncomingTrace {
  readonly traceId: string;
  readonly parentId: string;
  readonly sampled: boolean;
}

const lowerHex = /^[0-9a-f]+$/;
const zeroTraceId = '00000000000000000000000000000000';
const zeroSpanId = '0000000000000000';
/** version 2 + trace-id 32 + parent-id 16 + flags 2 + three dashes. */
const version00Length = 55;

/**
 * The trace a traceparent continues, or undefined when the header is absent or invalid: a wrong
 * length or layout, upper-case or non-hex digits, version ff, an all-zero id. A version above 00
 * is read by its 00 prefix, as the spec asks of a parser that knows only 00.
 */
export function parseTraceparent(value: string | undefined): IncomingTrace | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text.length < version00Length) return undefined;
  const version = text.slice(0, 2);
  if (!lowerHex.test(version) || version === 'ff') return undefined;
  if (version === '00' ? text.length !== version00Length : text.length > version00Length && text[version00Length] !== '-') return undefined;
  if (text[2] !== '-' || text[35] !== '-' || text[52] !== '-') return undefined;
  const traceId = text.slice(3, 35);
  const parentId = text.slice(36, 52);
  const flags = text.slice(53, 55);
  if (!lowerHex.test(traceId) || !lowerHex.test(parentId) || !lowerHex.test(flags)) return undefined;
  if (traceId === zeroTraceId || parentId === zeroSpanId) return undefined;
  return { traceId, parentId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** The traceparent sent upstream: version 00, the router's span as parent. */
export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}
