/**
 * Drift of feature flags: the definition each flag has in force in an environment (the applied
 * spec's, or a run-time change by `skiff flag set|rollout`) against the one the followed commit
 * gives it. One change per differing field of a flag (`flags.KEY.state`). Pure.
 */
import type { FlagSpec } from '../spec/schema.js';
import type { DriftChange } from './drift.js';

/** A flag as the environment evaluates it now. */
export interface FlagInForce {
  readonly key: string;
  readonly flag: FlagSpec;
  /** A run-time change is in force (a reset brings back the applied spec's definition). */
  readonly runtime: boolean;
}

export function flagDrift(inForce: readonly FlagInForce[], expected: Readonly<Record<string, FlagSpec>>): DriftChange[] {
  const drift: DriftChange[] = [];
  const now = new Map(inForce.map((flag) => [flag.key, flag.flag]));
  for (const key of [...new Set([...now.keys(), ...Object.keys(expected)])].sort()) {
    const applied = now.get(key);
    const commit = expected[key];
    if (!applied || !commit) {
      drift.push({ service: '', change: applied ? 'remove' : 'add', field: `flags.${key}`, applied: applied ?? null, commit: commit ?? null });
      continue;
    }
    const fields = [...new Set([...Object.keys(applied), ...Object.keys(commit)])].sort() as (keyof FlagSpec)[];
    for (const field of fields) {
      if (canonical(applied[field]) === canonical(commit[field])) continue;
      drift.push({ service: '', change: 'update', field: `flags.${key}.${field}`, applied: applied[field] ?? null, commit: commit[field] ?? null });
    }
  }
  return drift;
}

/** The run-time changes that make a flag differ from the commit: what `drift: revert` resets. */
export function runtimeFlagsToReset(inForce: readonly FlagInForce[], expected: Readonly<Record<string, FlagSpec>>): string[] {
  return inForce.filter((flag) => flag.runtime && expected[flag.key] !== undefined && canonical(flag.flag) !== canonical(expected[flag.key])).map((flag) => flag.key);
}

/** JSON with object keys sorted: two definitions written in another key order are the same. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : inner,
  ) ?? 'undefined';
}
