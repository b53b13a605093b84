/**
 * Compares a copy's answer with the answer the client got: status, the named headers, and the
 * body (structurally when both are JSON, ignoring the named fields; otherwise byte for byte).
 * Pure: the answers are already read.
 */
import { diffJson, type IgnoreTree } from './json-diff.js';

export interface CapturedAnswer {
  /** 0 when no answer came (connection failure, timeout): then `error` says why. */
  readonly status: number;
  readonly error?: string;
  /** The compared headers (lowercase names) and content-type, values joined by ', '. */
  readonly headers: ReadonlyMap<string, string>;
  /** The body, or null when it was larger than the comparison bound. */
  readonly body: Buffer | null;
}

export interface CompareSettings {
  readonly compareHeaders: readonly string[];
  readonly ignore: IgnoreTree;
}

export interface Difference {
  readonly key: string;
  readonly trusted: string;
  readonly candidate: string;
}

export interface Comparison {
  /** One entry per key (the first occurrence's values); keys are unique. */
  readonly differences: readonly Difference[];
  /** A body was beyond the bound, so bodies were not compared. */
  readonly tooLarge: boolean;
}

/** Longest value text kept in a sample. */
export const maxSampleChars = 200;
/** Differing JSON fields looked at per comparison. */
const maxFieldDifferences = 20;

export function truncate(text: string, max = maxSampleChars): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  return truncate(JSON.stringify(value) ?? String(value));
}

function isJson(answer: CapturedAnswer): boolean {
  const type = answer.headers.get('content-type');
  return type !== undefined && /[/+]json\b/i.test(type);
}

function parse(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function compareBodies(trusted: Buffer, copy: Buffer, bothJson: boolean, settings: CompareSettings, out: Difference[]): void {
  if (bothJson) {
    const a = parse(trusted);
    const b = parse(copy);
    if (a.ok && b.ok) {
      const seen = new Set<string>();
      for (const difference of diffJson(a.value, b.value, settings.ignore, maxFieldDifferences)) {
        const key = difference.keyPath === '' ? 'body' : `body:${difference.keyPath}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ key, trusted: show(difference.trusted), candidate: show(difference.candidate) });
      }
      return;
    }
  }
  if (!trusted.equals(copy)) out.push({ key: 'body', trusted: truncate(trusted.toString('utf8')), candidate: truncate(copy.toString('utf8')) });
}

export function compareAnswers(trusted: CapturedAnswer, copy: CapturedAnswer, settings: CompareSettings): Comparison {
  const differences: Difference[] = [];
  if (copy.status === 0) {
    differences.push({ key: 'status', trusted: String(trusted.status), candidate: `no answer (${copy.error ?? 'failed'})` });
    return { differences, tooLarge: false };
  }
  if (trusted.status !== copy.status) differences.push({ key: 'status', trusted: String(trusted.status), candidate: String(copy.status) });
  for (const name of settings.compareHeaders) {
    const a = trusted.headers.get(name);
    const b = copy.headers.get(name);
    if (a !== b) differences.push({ key: `header:${name}`, trusted: truncate(a ?? '(absent)'), candidate: truncate(b ?? '(absent)') });
  }
  if (trusted.body === null || copy.body === null) return { differences, tooLarge: true };
  compareBodies(trusted.body, copy.body, isJson(trusted) && isJson(copy), settings, differences);
  return { differences, tooLarge: false };
}
