/**
 * Feature flags in flagd's flag-definition format (`state`, `variants`, `defaultVariant`,
 * `targeting` in JsonLogic), and what an environment changes of them. Targeting is checked by
 * flagd's own evaluator, so a spec Skiff accepts is one flagd would evaluate the same way.
 */
import { FeatureFlag, type Flag } from '@openfeature/flagd-core';
import type { Logger } from '@openfeature/core';
import { z } from 'zod';
import { isRecordLike } from './schema-values.js';
import type { SpecIssueParams } from './schema-values.js';

export const flagKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be letters, digits, `-`, `_` and `.`, starting with a letter or digit');

const jsonValueSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]),
);

export const flagStateSchema = z.enum(['ENABLED', 'DISABLED']).describe('ENABLED, or DISABLED (evaluations then answer the caller\'s default)');

const variantsSchema = z
  .record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), z.record(z.string(), jsonValueSchema), z.array(jsonValueSchema)]))
  .refine((variants) => Object.keys(variants).length > 0, { message: 'a flag needs at least one variant' })
  .describe('the values the flag can take, by variant name (all of one type: boolean, string, number or object)');

const targetingSchema = z
  .record(z.string(), jsonValueSchema)
  .describe('JsonLogic choosing a variant per evaluation context, with flagd\'s fractional, sem_ver, starts_with and ends_with');

export const flagSchema = z
  .strictObject({
    state: flagStateSchema,
    variants: variantsSchema,
    defaultVariant: z.string().min(1).describe('the variant served when targeting picks none (or there is no targeting)'),
    targeting: targetingSchema.optional(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('flagd flag metadata, passed on in evaluations'),
  })
  .superRefine((flag, ctx) => checkFlag(flag as unknown, ctx, []), { when: (payload) => isRecordLike(payload.value) })
  .describe('a feature flag in flagd\'s flag-definition format');

export const flagOverrideSchema = z
  .strictObject({
    state: flagStateSchema.optional(),
    defaultVariant: z.string().min(1).optional().describe('the default variant in this environment'),
    targeting: targetingSchema.optional().describe('targeting in this environment (`{}`: none)'),
  })
  .describe('what changes for a flag in this environment: state, defaultVariant, targeting');

export type FlagSpec = z.output<typeof flagSchema>;
export type FlagOverride = z.output<typeof flagOverrideSchema>;
export type FlagState = FlagSpec['state'];

/** The operators flagd adds to JsonLogic, for hints. */
const flagdOperators = 'fractional, sem_ver, starts_with, ends_with';

type Path = (string | number)[];

/**
 * Checks one flag as it will be evaluated (a flag of the spec, or one merged with an environment's
 * override, `at` being where the override's fields are written).
 */
export function checkFlag(raw: unknown, ctx: z.RefinementCtx, at: Path): void {
  if (!isRecordLike(raw) || !isRecordLike(raw.variants)) return;
  const variantNames = Object.keys(raw.variants);
  if (typeof raw.defaultVariant === 'string' && !variantNames.includes(raw.defaultVariant)) {
    ctx.addIssue({
      code: 'custom',
      path: [...at, 'defaultVariant'],
      message: `defaultVariant "${raw.defaultVariant}" is not one of the flag's variants (${variantNames.join(', ')})`,
      params: { hint: `write one of: ${variantNames.join(', ')}, or add a variant "${raw.defaultVariant}"` } satisfies SpecIssueParams,
    });
  }
  if (!isRecordLike(raw.targeting) || Object.keys(raw.targeting).length === 0) return;
  // Only the targeting is in question here: the fields checked above are set to valid ones.
  const problem = flagdTargetingProblem({ ...raw, state: 'ENABLED', defaultVariant: variantNames[0] });
  if (problem !== null) {
    ctx.addIssue({
      code: 'custom',
      path: [...at, 'targeting'],
      message: `flagd's evaluator cannot use this targeting: ${problem}`,
      params: { hint: `write JsonLogic (e.g. {"if": [cond, "on", "off"]}) using its operators and flagd's ${flagdOperators}` } satisfies SpecIssueParams,
    });
  }
  checkFractionals(raw.targeting, variantNames, ctx, [...at, 'targeting']);
}

/** What flagd-core says of the flag's targeting when it builds the flag, or null if it can use it. */
function flagdTargetingProblem(flag: Record<string, unknown>): string | null {
  const warnings: string[] = [];
  const collect = (message: unknown): void => void warnings.push(String(message));
  const logger: Logger = { error: collect, warn: collect, info: () => {}, debug: () => {} };
  try {
    new FeatureFlag('flag', flag as unknown as Flag, logger);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return warnings.length > 0 ? `${warnings[0]} (an unknown operator or a malformed expression)`.replace(" for flag 'flag'", '') : null;
}

/** Every `fractional` in the targeting: shares between 0 and 100, adding up to 100 at most, naming known variants. */
function checkFractionals(node: unknown, variants: readonly string[], ctx: z.RefinementCtx, path: Path): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => checkFractionals(item, variants, ctx, [...path, index]));
    return;
  }
  if (!isRecordLike(node)) return;
  for (const [operator, args] of Object.entries(node)) {
    if (operator === 'fractional' && Array.isArray(args)) checkFractional(args, variants, ctx, [...path, operator]);
    checkFractionals(args, variants, ctx, [...path, operator]);
  }
}

function checkFractional(args: readonly unknown[], variants: readonly string[], ctx: z.RefinementCtx, path: Path): void {
  let total = 0;
  args.forEach((bucket, index) => {
    // The first argument may be the bucketing expression rather than a [variant, share] pair.
    if (!Array.isArray(bucket)) return;
    const [variant, share] = bucket as unknown[];
    if (typeof variant === 'string' && !variants.includes(variant)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, index, 0],
        message: `fractional names variant "${variant}", which the flag does not have (${variants.join(', ')})`,
        params: { hint: `name one of: ${variants.join(', ')}` } satisfies SpecIssueParams,
      });
    }
    if (share === undefined) return;
    if (typeof share !== 'number' || !Number.isFinite(share) || share < 0 || share > 100) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, index, 1],
        message: `a fractional share is a percentage from 0 to 100, got ${JSON.stringify(share)}`,
        params: { hint: 'write e.g. ["on", 20], ["off", 80]' } satisfies SpecIssueParams,
      });
      return;
    }
    total += share;
  });
  if (total > 100) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `the fractional shares add up to ${total}%, over 100%`,
      params: { hint: 'make the shares add up to 100, e.g. ["on", 20], ["off", 80]' } satisfies SpecIssueParams,
    });
  }
}

/** Overrides of flags the spec does not define, and each overridden flag as the environment evaluates it. */
export function checkFlagOverrides(spec: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const flags = isRecordLike(spec.flags) ? spec.flags : {};
  if (!isRecordLike(spec.environments)) return;
  for (const [envName, env] of Object.entries(spec.environments)) {
    const overrides = isRecordLike(env) ? env.flags : undefined;
    if (!isRecordLike(overrides)) continue;
    for (const [key, override] of Object.entries(overrides)) {
      const base = flags[key];
      const at = ['environments', envName, 'flags', key];
      if (base === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: at,
          message: `environment "${envName}" overrides unknown flag "${key}"`,
          params: { knownKeys: Object.keys(flags) } satisfies SpecIssueParams,
        });
        continue;
      }
      if (!isRecordLike(base) || !isRecordLike(override)) continue;
      // The spec's own flag is checked by flagSchema: report here only what the override brings.
      const merged = { ...base, ...override };
      const only = (field: string) => Object.hasOwn(override, field);
      if (only('defaultVariant') || only('targeting')) checkFlag(only('targeting') ? merged : { ...merged, targeting: undefined }, ctx, at);
    }
  }
}

/** A flag as an environment evaluates it: the spec's definition with the environment's override. */
export function applyFlagOverride(flag: FlagSpec, override: FlagOverride | undefined): FlagSpec {
  if (!override) return flag;
  return {
    ...flag,
    ...(override.state !== undefined ? { state: override.state } : {}),
    ...(override.defaultVariant !== undefined ? { defaultVariant: override.defaultVariant } : {}),
    ...(override.targeting !== undefined ? { targeting: override.targeting } : {}),
  };
}
