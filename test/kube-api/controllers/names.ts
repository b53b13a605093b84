/** The names the real controllers give: a pod-template hash and generated suffixes. */
import { createHash } from 'node:crypto';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A stable hash of a pod template, written like the real `pod-template-hash` (alphanumeric, no vowels). */
export function podTemplateHash(template: unknown): string {
  const digest = createHash('sha256').update(canonicalJson(template)).digest();
  let out = '';
  for (let i = 0; i < 10; i += 1) out += SAFE_ALPHABET[(digest[i] ?? 0) % SAFE_ALPHABET.length];
  return out;
}

/**
 * JSON with sorted keys and without nulls: the same template hashes the same however a client
 * wrote it (kubectl's Go types send `creationTimestamp: null`, merges reorder keys), as the
 * real controller hashes the decoded, typed template.
 */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `25%` of `total` rounded up (surge) or down (unavailable), or an integer as is. */
export function resolveIntOrPercent(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(String(value ?? ''));
  if (!match) return Number(value ?? 0) || 0;
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
