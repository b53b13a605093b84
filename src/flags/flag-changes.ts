/**
 * Run-time changes to a flag, as pure functions from the flag in force to the new definition:
 * `set` (state, default variant) and `rollout` (a fractional split to a variant). The result is
 * checked by the spec's own flag schema, so a change never makes a flag flagd cannot evaluate.
 */
import { SkiffError } from '../core/errors.js';
import { flagSchema } from '../spec/schema-flags.js';
import type { FlagSpec, FlagState } from '../spec/schema.js';

export type FlagChange =
  | { readonly kind: 'set'; readonly state?: FlagState | undefined; readonly defaultVariant?: string | undefined }
  | { readonly kind: 'rollout'; readonly percent: number; readonly variant?: string | undefined };

export function applyFlagChange(key: string, flag: FlagSpec, change: FlagChange): FlagSpec {
  const next = change.kind === 'set' ? setFlag(key, flag, change) : rolloutFlag(key, flag, change);
  const checked = flagSchema.safeParse(next);
  if (!checked.success) {
    const details = checked.error.issues.map((issue) => ({
      code: 'SKIFF_FLAG_CHANGE_INVALID' as const,
      message: issue.message,
      path: [key, ...issue.path.map(String)].join('.'),
    }));
    throw new SkiffError('SKIFF_FLAG_CHANGE_INVALID', `flag "${key}" would be invalid: ${details.map((d) => d.message).join('; ')}`, {
      details,
      hint: `the flag's variants are ${Object.keys(flag.variants).join(', ')}`,
    });
  }
  return checked.data;
}

function setFlag(key: string, flag: FlagSpec, change: Extract<FlagChange, { kind: 'set' }>): FlagSpec {
  if (change.state === undefined && change.defaultVariant === undefined) {
    throw new SkiffError('SKIFF_BAD_REQUEST', `nothing to change in flag "${key}"`, { hint: 'give --state ENABLED|DISABLED and/or --default-variant NAME' });
  }
  return {
    ...flag,
    ...(change.state !== undefined ? { state: change.state } : {}),
    ...(change.defaultVariant !== undefined ? { defaultVariant: change.defaultVariant } : {}),
  };
}

/**
 * The targeting becomes a split by targetingKey: `percent` of keys get the rolled-out variant, the
 * rest the default variant. Whatever targeting the flag had is replaced (a reset brings it back).
 */
function rolloutFlag(key: string, flag: FlagSpec, change: Extract<FlagChange, { kind: 'rollout' }>): FlagSpec {
  if (!Number.isInteger(change.percent) || change.percent < 0 || change.percent > 100) {
    throw new SkiffError('SKIFF_BAD_REQUEST', `a rollout is a whole percentage from 0 to 100, got ${change.percent}`, { hint: 'e.g. skiff flag rollout FLAG 10% --env E' });
  }
  const variant = change.variant ?? rolledOutVariant(flag);
  if (variant === undefined) {
    throw new SkiffError('SKIFF_BAD_REQUEST', `flag "${key}" has no variant that is plainly the new one`, {
      hint: `name it: --variant ${Object.keys(flag.variants).filter((name) => name !== flag.defaultVariant).join('|')}`,
    });
  }
  if (variant === flag.defaultVariant) {
    throw new SkiffError('SKIFF_BAD_REQUEST', `variant "${variant}" is the default variant of flag "${key}": a rollout moves keys away from it`, {
      hint: 'roll out another variant (--variant NAME), or make it the default with `skiff flag set FLAG --default-variant`',
    });
  }
  return { ...flag, targeting: { fractional: [[variant, change.percent], [flag.defaultVariant, 100 - change.percent]] } };
}

/** The variant whose value is `true`, or the one variant besides the default. */
function rolledOutVariant(flag: FlagSpec): string | undefined {
  const entries = Object.entries(flag.variants);
  const on = entries.filter(([, value]) => value === true);
  if (on.length === 1) return on[0]?.[0];
  const others = entries.filter(([name]) => name !== flag.defaultVariant);
  return others.length === 1 ? others[0]?.[0] : undefined;
}

/** `10%` or `10` as a percentage; NaN when it is neither. */
export function parsePercent(text: string): number {
  const match = /^\s*(\d{1,3})\s*%?\s*$/.exec(text);
  return match ? Number(match[1]) : NaN;
}
