/** Release strategies (recreate, rolling, blue-green, canary) and the analyses canary steps run. */
import { z } from 'zod';
import { parseDuration } from '../core/units.js';
import { durationSchema, isRecordLike, nameSchema } from './schema-values.js';
import { strategyTypes } from './strategy-types.js';
import type { SpecIssueParams } from './schema-values.js';

export type CountOrPercent = { readonly kind: 'count'; readonly value: number } | { readonly kind: 'percent'; readonly value: number };

const percentPattern = /^(\d+(?:\.\d+)?)%$/;

// The parsed form is accepted too, so a parsed spec (with its defaults) parses again to itself.
const parsedCountOrPercentSchema = z
  .strictObject({
    kind: z.enum(['count', 'percent']).describe('whether value is a number of instances or a share'),
    value: z.number().nonnegative().describe('the count, or the share in percent'),
  })
  .describe('the parsed form, as Skiff writes a parsed spec back');

export const countOrPercentSchema = z
  .union([z.number().int().nonnegative(), z.string(), parsedCountOrPercentSchema])
  .transform((value, ctx): CountOrPercent => {
    if (typeof value === 'number') return { kind: 'count', value };
    if (typeof value === 'object') return value;
    const match = percentPattern.exec(value.trim());
    const percent = match ? Number(match[1]) : NaN;
    if (!(percent <= 100)) {
      ctx.addIssue({ code: 'custom', message: `expected a count such as 1 or a share such as 25%, got "${value}"` });
      return z.NEVER;
    }
    return { kind: 'percent', value: percent };
  })
  .describe('a number of instances (1) or a share of the desired instances (25%)')
  .meta({ examples: [1, '25%'] });

/** A request the router can recognise: a header or a cookie with an exact value. */
export type TrafficMatch =
  | { readonly kind: 'header'; readonly name: string; readonly value: string }
  | { readonly kind: 'cookie'; readonly name: string; readonly value: string };

const nameValueSchema = z.strictObject({
  name: z.string().min(1).describe('the header or cookie name'),
  value: z.string().min(1).describe('the exact value that matches'),
});

export const trafficMatchSchema = z
  .strictObject({
    header: nameValueSchema.optional().describe('requests carrying this header value'),
    cookie: nameValueSchema.optional().describe('requests carrying this cookie value'),
  })
  .superRefine((match, ctx) => {
    if ((match.header === undefined) === (match.cookie === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a match needs exactly one of header or cookie',
        params: { hint: 'e.g. `match: { header: { name: x-internal, value: "1" } }`' } satisfies SpecIssueParams,
      });
    }
  })
  .transform((match): TrafficMatch => {
    if (match.header) return { kind: 'header', ...match.header };
    return { kind: 'cookie', ...(match.cookie as { name: string; value: string }) };
  })
  .describe('requests that always go to the new release during the rollout: `header: {name, value}` or `cookie: {name, value}`');

export type CanaryStepSpec =
  | { readonly kind: 'weight'; readonly weight: number }
  /** `durationMs: null` waits until a person resumes the rollout. */
  | { readonly kind: 'pause'; readonly durationMs: number | null }
  | { readonly kind: 'analysis'; readonly name: string };

const canaryStepObjectSchema = z
  .strictObject({
    weight: z.number().int().min(0).max(100).optional().describe('send this share of requests (percent) to the new release'),
    pause: z
      .union([durationSchema, z.strictObject({})])
      .optional()
      .describe('wait this long (`pause: 30s`), or until `skiff rollout resume` (`pause: {}`)'),
    analysis: nameSchema.optional().describe('judge the new release with this analysis (from `analyses`); a failure rolls back'),
  })
  .superRefine((step, ctx) => {
    const keys = Object.keys(step).filter((key) => (step as Record<string, unknown>)[key] !== undefined);
    if (keys.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: keys.length === 0 ? 'a step needs one of weight, pause, analysis' : `a step has one kind, got ${keys.join(' and ')}`,
        params: { hint: 'write each step as its own list item: `- weight: 5`, `- pause: 30s`, `- analysis: default`' } satisfies SpecIssueParams,
      });
    }
  });

export const canaryStepSchema = canaryStepObjectSchema
  .transform((step): CanaryStepSpec => {
    if (step.weight !== undefined) return { kind: 'weight', weight: step.weight };
    if (step.pause !== undefined) return { kind: 'pause', durationMs: typeof step.pause === 'number' ? step.pause : null };
    return { kind: 'analysis', name: step.analysis as string };
  })
  .describe('a canary step: `weight: 5`, `pause: 30s`, `pause: {}` (until resumed) or `analysis: NAME`');

export const recreateStrategySchema = z
  .strictObject({ type: z.literal('recreate').describe('stop every old instance, then start the new ones') })
  .describe('recreate: for services that cannot run two versions at once (a short outage)');

export const rollingStrategySchema = z
  .strictObject({
    type: z.literal('rolling').describe('replace instances a few at a time'),
    maxSurge: countOrPercentSchema.default({ kind: 'count', value: 1 }).describe('instances allowed above the desired count during the rollout (a share rounds up)'),
    maxUnavailable: countOrPercentSchema
      .default({ kind: 'count', value: 0 })
      .describe('ready instances allowed below the desired count during the rollout (a share rounds down)'),
    drainTimeout: durationSchema.default(30_000).describe('how long a drained instance may finish its requests before it is stopped'),
  })
  .refine((rolling) => rolling.maxSurge?.value !== 0 || rolling.maxUnavailable?.value !== 0, {
    message: 'maxSurge and maxUnavailable cannot both be 0: the rollout could never replace an instance',
    params: { hint: 'set `maxSurge: 1` (start one extra instance) or `maxUnavailable: 1`' } satisfies SpecIssueParams,
  })
  .describe('rolling: a new instance must be ready before an old one is drained, within maxSurge and maxUnavailable');

export const blueGreenStrategySchema = z
  .strictObject({
    type: z.literal('blue-green').describe('run the new release beside the old one, then switch all traffic at once'),
    previewHeader: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a lowercase header name')
      .default('x-skiff-preview')
      .describe('requests with this header set to 1 reach the new release before it is promoted'),
    keepOld: durationSchema.default(600_000).describe('how long the old release keeps running after the switch, for an instant undo'),
    autoPromote: z.boolean().default(false).describe('switch as soon as the new release is ready, without `skiff rollout promote`'),
  })
  .describe('blue-green: preview the new release, switch on promote, keep the old one for undo');

export const canaryStrategySchema = z
  .strictObject({
    type: z.literal('canary').describe('move traffic to the new release in steps'),
    steps: z
      .array(canaryStepSchema)
      .min(1)
      .default([
        { kind: 'weight', weight: 10 },
        { kind: 'analysis', name: 'default' },
        { kind: 'weight', weight: 50 },
        { kind: 'analysis', name: 'default' },
      ])
      .describe('the steps, in order; after the last one the new release gets all traffic (default: 10%, analysis, 50%, analysis)'),
    match: trafficMatchSchema.optional(),
  })
  .describe('canary: steps of traffic weight, pauses and analyses; a failed analysis rolls back');

// The type is checked first on its own, so a misspelt type is reported as such (with the allowed
// names) rather than as a mismatch against the first strategy.

export const strategySchema = z
  .unknown()
  .superRefine((value, ctx) => {
    const type = isRecordLike(value) ? value.type : undefined;
    if (typeof type === 'string' && (strategyTypes as readonly string[]).includes(type)) return;
    ctx.addIssue({
      code: 'custom',
      path: isRecordLike(value) ? ['type'] : [],
      message: !isRecordLike(value) ? 'expected a mapping with `type:`' : type === undefined ? 'a strategy needs `type:`' : `unknown strategy type ${JSON.stringify(type)}`,
      params: { hint: `type is one of ${strategyTypes.join(', ')}, e.g. \`strategy: { type: rolling }\`` } satisfies SpecIssueParams,
    });
  })
  .pipe(z.discriminatedUnion('type', [recreateStrategySchema, rollingStrategySchema, blueGreenStrategySchema, canaryStrategySchema]))
  .describe('how a new release replaces the old one: `type: recreate | rolling | blue-green | canary` with its settings');

export const defaultStrategy = {
  type: 'rolling',
  maxSurge: { kind: 'count', value: 1 },
  maxUnavailable: { kind: 'count', value: 0 },
  drainTimeout: 30_000,
} as const satisfies z.output<typeof rollingStrategySchema>;

export type LatencyPercentile = 'p50' | 'p95' | 'p99';

export type AnalysisCheckSpec =
  /** `max` is a fraction: 0.01 is 1%. */
  | { readonly kind: 'error-rate'; readonly max: number }
  | { readonly kind: 'latency'; readonly percentile: LatencyPercentile; readonly maxMs: number }
  | { readonly kind: 'latency-ratio'; readonly percentile: LatencyPercentile; readonly maxRatio: number }
  | { readonly kind: 'mann-whitney'; readonly alpha: number };

const checkHint = 'e.g. `{ metric: errorRate, max: 1% }`, `{ metric: p99, max: 300ms }`, `{ metric: p99, maxRatioToStable: 1.2 }`, `{ metric: latency, test: mann-whitney, alpha: 0.05 }`';

export const analysisCheckSchema = z
  .strictObject({
    metric: z.enum(['errorRate', 'p50', 'p95', 'p99', 'latency']).describe('errorRate (5xx and connection failures), a latency percentile, or latency (a statistical test)'),
    max: z.union([z.string(), z.number().nonnegative()]).optional().describe('the limit: a share for errorRate (1%), a duration for a percentile (300ms)'),
    maxRatioToStable: z
      .number()
      .positive()
      .optional()
      .describe("the limit as a multiple of the stable release's value (1.2); above it fails only if the new release is also significantly slower (at 1%)"),
    test: z.literal('mann-whitney').optional().describe('compare the latency distributions with the Mann-Whitney U test'),
    alpha: z.number().gt(0).lt(1).optional().describe('significance level of the test (default 0.05)'),
  })
  .transform((check, ctx): AnalysisCheckSpec => {
    const fail = (message: string): never => {
      ctx.addIssue({ code: 'custom', message, params: { hint: checkHint } satisfies SpecIssueParams });
      return z.NEVER as never;
    };
    if (check.metric === 'latency') {
      if (check.test === undefined || check.max !== undefined || check.maxRatioToStable !== undefined) {
        return fail('metric latency takes `test: mann-whitney` (and optionally `alpha`)');
      }
      return { kind: 'mann-whitney', alpha: check.alpha ?? 0.05 };
    }
    if (check.test !== undefined || check.alpha !== undefined) return fail(`test and alpha belong to \`metric: latency\`, not ${check.metric}`);
    if (check.metric === 'errorRate') {
      const match = typeof check.max === 'string' ? percentPattern.exec(check.max.trim()) : null;
      if (!match || check.maxRatioToStable !== undefined) return fail('metric errorRate takes `max` as a share such as 1%');
      return { kind: 'error-rate', max: Number(match[1]) / 100 };
    }
    if ((check.max === undefined) === (check.maxRatioToStable === undefined)) {
      return fail(`metric ${check.metric} takes one of max (300ms) or maxRatioToStable (1.2)`);
    }
    if (check.maxRatioToStable !== undefined) return { kind: 'latency-ratio', percentile: check.metric, maxRatio: check.maxRatioToStable };
    const maxMs = typeof check.max === 'number' ? check.max : parseDuration(check.max as string);
    if (maxMs === undefined) return fail(`expected a duration such as 300ms for ${check.metric}, got "${String(check.max)}"`);
    return { kind: 'latency', percentile: check.metric, maxMs };
  })
  .describe('one check of an analysis');

export const analysisSchema = z
  .strictObject({
    window: durationSchema.default(30_000).describe('the span of recent measurements judged'),
    minRequests: z.number().int().nonnegative().default(50).describe('requests the new release must have served before it is judged'),
    failFast: z
      .boolean()
      .optional()
      .describe('stop the step as soon as the errors seen prove the error rate above its max, before the window ends (default true; false judges only at window end)'),
    interimEvery: durationSchema
      .superRefine((ms, ctx) => {
        if (ms < 100) ctx.addIssue({ code: 'custom', message: `interimEvery is at least 100ms (each look reads the router), got ${ms}ms` });
      })
      .optional()
      .describe('how often the window so far is looked at for a conclusive failure (default 1s)'),
    checks: z
      .array(analysisCheckSchema)
      .min(1)
      .default([
        { kind: 'error-rate', max: 0.01 },
        { kind: 'latency-ratio', percentile: 'p99', maxRatio: 1.2 },
      ])
      .describe('all must pass (default: errorRate below 1% and p99 at most 1.2 × stable)'),
  })
  .describe('an analysis: checks over what the router measured for the new and the stable release in a window');

/** Used when a canary step names `default` and the spec defines no analysis of that name. */
export const defaultAnalysis: z.output<typeof analysisSchema> = {
  window: 30_000,
  minRequests: 50,
  checks: [
    { kind: 'error-rate', max: 0.01 },
    { kind: 'latency-ratio', percentile: 'p99', maxRatio: 1.2 },
  ],
};

/** Canary steps name analyses of the same file: checked once the file parses. */
export function checkAnalysisReferences(spec: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const { services, analyses } = spec;
  if (!isRecordLike(services)) return;
  const known = new Set(['default', ...(isRecordLike(analyses) ? Object.keys(analyses) : [])]);
  for (const [name, service] of Object.entries(services)) {
    const strategy = isRecordLike(service) ? service.strategy : undefined;
    if (!isRecordLike(strategy) || !Array.isArray(strategy.steps)) continue;
    strategy.steps.forEach((step: unknown, index) => {
      if (!isRecordLike(step)) return;
      // Steps that parsed are already in their typed form; others are still as written.
      const analysis = step.kind === 'analysis' ? step.name : step.kind === undefined ? step.analysis : undefined;
      if (typeof analysis === 'string' && !known.has(analysis)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'strategy', 'steps', index, 'analysis'],
          message: `unknown analysis "${analysis}"`,
          params: { hint: `define it under \`analyses:\`; known: ${[...known].join(', ')}` } satisfies SpecIssueParams,
        });
      }
    });
  }
}
