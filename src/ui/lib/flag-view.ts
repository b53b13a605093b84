/** What the flags page shows of a flag definition: its rollout share, and its targeting as readable JSON. */
import type { FlagSpec } from '../../spec/schema.js';

export interface RolloutShare {
  readonly variant: string;
  readonly percent: number;
}

/**
 * The share a rollout set (`{fractional: [[variant, p], [default, 100 - p]]}`, as `skiff flag
 * rollout` writes it); null for any other targeting, which the page shows but does not slide.
 */
export function rolloutShare(flag: FlagSpec): RolloutShare | null {
  const targeting = flag.targeting as Record<string, unknown> | undefined;
  if (!targeting || Object.keys(targeting).length !== 1) return null;
  const split = targeting['fractional'];
  if (!Array.isArray(split) || split.length !== 2) return null;
  const [rolled, rest] = split as unknown[];
  if (!isBucket(rolled) || !isBucket(rest) || rest[0] !== flag.defaultVariant) return null;
  if (rolled[1] + rest[1] !== 100) return null;
  return { variant: rolled[0], percent: rolled[1] };
}

function isBucket(value: unknown): value is [string, number] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'number';
}

/** JsonLogic indented, with short arrays of scalars kept on one line (`["on", 20]`). */
export function prettyTargeting(targeting: unknown): string {
  if (targeting === undefined || (typeof targeting === 'object' && targeting !== null && Object.keys(targeting).length === 0)) return '';
  return JSON.stringify(targeting, null, 2).replace(/\[\s*([^\[\]{}]*?)\s*\]/g, (_match, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`);
}

/** A variant's value as the table shows it. */
export function variantText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
