/**
 * Autoscaling of a service: bounds, the measure it scales on, and the windows of Knative's
 * algorithm (a stable window, a panic window for sudden load, an idle time before scaling to zero).
 */
import { z } from 'zod';
import { durationSchema, isRecordLike } from './schema-values.js';
import type { SpecIssueParams } from './schema-values.js';

const percentPattern = /^(\d+(?:\.\d+)?)\s*%$/;

/** `"70%"` as the spec writes it, or 70 as a saved revision holds it. */
const cpuPercentSchema = z
  .union([z.number().gt(0).max(100), z.string()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const match = percentPattern.exec(value.trim());
    const percent = match ? Number(match[1]) : NaN;
    if (!(percent > 0 && percent <= 100)) {
      ctx.addIssue({ code: 'custom', message: `expected a share of one core such as 70%, got "${value}"` });
      return z.NEVER;
    }
    return percent;
  })
  .describe('CPU use per instance to aim for, as a share of one core: 70%');

const targetKinds = ['concurrency', 'rps', 'cpu'] as const;
export type AutoscaleTargetKind = (typeof targetKinds)[number];

export const autoscaleTargetSchema = z
  .strictObject({
    concurrency: z.number().gt(0).optional().describe('requests in flight per instance to aim for'),
    rps: z.number().gt(0).optional().describe('requests per second per instance to aim for'),
    cpu: cpuPercentSchema.optional(),
  })
  .superRefine(
    (target, ctx) => {
      const raw: unknown = target;
      if (!isRecordLike(raw)) return;
      const written = targetKinds.filter((kind) => raw[kind] !== undefined);
      if (written.length === 1) return;
      ctx.addIssue({
        code: 'custom',
        path: written.length > 1 ? [written[1] as string] : [],
        message: written.length > 1 ? `a target names one measure, got ${written.join(' and ')}` : 'a target needs one measure: concurrency, rps or cpu',
        params: { hint: 'write one of `concurrency: 20`, `rps: 100` or `cpu: 70%`' } satisfies SpecIssueParams,
      });
    },
    { when: (payload) => isRecordLike(payload.value) },
  )
  .describe('what one instance should carry: `concurrency: 20` (in-flight requests), `rps: 100`, or `cpu: 70%`');

/** The one measure a target names, and its value per instance (cpu in percent of a core). */
export function targetMeasure(target: AutoscaleTarget): { readonly kind: AutoscaleTargetKind; readonly value: number } {
  if (target.concurrency !== undefined) return { kind: 'concurrency', value: target.concurrency };
  if (target.rps !== undefined) return { kind: 'rps', value: target.rps };
  return { kind: 'cpu', value: target.cpu ?? 100 };
}

export const autoscaleDefaults = {
  min: 1,
  stableWindowMs: 60_000,
  panicWindowMs: 6_000,
  idleAfterMs: 300_000,
} as const;

export const autoscaleSchema = z
  .strictObject({
    min: z.number().int().min(0).max(1000).default(autoscaleDefaults.min).describe('fewest instances; 0 lets the service scale to zero when idle'),
    max: z.number().int().min(1).max(1000).describe('most instances'),
    target: autoscaleTargetSchema,
    stableWindow: durationSchema.default(autoscaleDefaults.stableWindowMs).describe('the window averaged for normal decisions; no scale-down within it after a scale-up'),
    panicWindow: durationSchema.default(autoscaleDefaults.panicWindowMs).describe('the short window that detects a sudden load (twice the capacity): then only scale up'),
    idleAfter: durationSchema.default(autoscaleDefaults.idleAfterMs).describe('with min 0: time without requests before scaling to zero'),
  })
  .superRefine(
    (policy, ctx) => {
      // Runs even when a field is invalid: the input may be any shape here.
      const raw: unknown = policy;
      if (!isRecordLike(raw)) return;
      const { min, max, stableWindow, panicWindow } = raw;
      if (typeof min === 'number' && typeof max === 'number' && min > max) {
        ctx.addIssue({
          code: 'custom',
          path: ['min'],
          message: `min (${min}) is larger than max (${max})`,
          params: { hint: `lower min to ${max} or less, or raise max to ${min} or more` } satisfies SpecIssueParams,
        });
      }
      if (typeof stableWindow === 'number' && typeof panicWindow === 'number' && panicWindow > stableWindow) {
        ctx.addIssue({
          code: 'custom',
          path: ['panicWindow'],
          message: `panicWindow (${panicWindow} ms) is longer than stableWindow (${stableWindow} ms)`,
          params: { hint: 'the panic window is the short one: make it at most the stable window' } satisfies SpecIssueParams,
        });
      }
    },
    { when: (payload) => isRecordLike(payload.value) },
  )
  .describe('scale the instances with the load: `{ min: 1, max: 10, target: { concurrency: 20 } }`; min 0 scales to zero after idleAfter');

export type AutoscaleSpec = z.output<typeof autoscaleSchema>;
export type AutoscaleTarget = z.output<typeof autoscaleTargetSchema>;

/**
 * `instances` and `autoscale` written in one place (a service, or one environment's override of
 * it) contradict each other: reported on `autoscale`. Across places the environment's wins.
 */
export function checkInstancesWithAutoscale(raw: Record<string, unknown>, ctx: z.RefinementCtx, where: string): void {
  if (raw['instances'] === undefined || raw['autoscale'] === undefined) return;
  ctx.addIssue({
    code: 'custom',
    path: ['autoscale'],
    message: `${where} sets both instances and autoscale`,
    params: {
      hint: 'keep one: `instances: N` for a fixed count, or `autoscale: { min, max, target }` (its min and max bound the count)',
    } satisfies SpecIssueParams,
  });
}
