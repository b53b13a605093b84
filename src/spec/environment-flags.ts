/** The flags a spec gives one environment: each definition with the environment's override. Pure. */
import { applyFlagOverride } from './schema-flags.js';
import type { FlagSpec, Spec } from './schema.js';

/** Revisions saved before flags existed have none. */
export function specFlagsFor(spec: Spec, environment: string): Record<string, FlagSpec> {
  const overrides = spec.environments[environment]?.flags ?? {};
  const flags: Record<string, FlagSpec> = {};
  for (const [key, flag] of Object.entries(spec.flags ?? {})) flags[key] = applyFlagOverride(flag, overrides[key]);
  return flags;
}
