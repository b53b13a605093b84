/**
 * The flags an environment evaluates: the spec's definitions with the environment's overrides,
 * and on top of them the run-time changes (`skiff flag set|rollout`) until they are reset.
 */
import type { FlagSpec } from '../spec/schema.js';

export type FlagSource = 'spec' | 'runtime';

export interface EffectiveFlag {
  readonly key: string;
  readonly flag: FlagSpec;
  /** `runtime`: a run-time change is in force; `skiff flag reset` goes back to the spec's. */
  readonly source: FlagSource;
  /** The definition the spec gives the environment (what a reset returns to). */
  readonly specFlag: FlagSpec;
}

/**
 * A run-time change wins over the spec's definition; a change to a flag the spec no longer
 * defines is not served (the flag is gone), but kept, so it returns with the flag.
 */
export function effectiveFlags(specFlags: Readonly<Record<string, FlagSpec>>, runtime: ReadonlyMap<string, FlagSpec>): EffectiveFlag[] {
  return Object.keys(specFlags)
    .sort()
    .map((key) => {
      const specFlag = specFlags[key] as FlagSpec;
      const changed = runtime.get(key);
      return { key, flag: changed ?? specFlag, source: changed ? 'runtime' : 'spec', specFlag };
    });
}
