/**
 * The autoscaler: `decide(policy, window, last, now) → decision`, pure. Knative's algorithm:
 * the demand averaged over the stable window sets the count; when the demand of the short panic
 * window needs twice the ready capacity or more, it panics and then only scales up, until a whole
 * stable window passed without that condition. Beyond Knative: no scale-down within a stable
 * window of a scale-up, and with `min: 0` the count drops to zero only after `idleAfter` without
 * a request (a held request wakes it, `wake`).
 */
import type { AutoscaleSpec, AutoscaleTargetKind } from '../spec/schema-autoscale.js';
import { targetMeasure } from '../spec/schema-autoscale.js';

/** One observation of the service, as the control loop samples it on its tick. */
export interface AutoscaleSample {
  readonly at: number;
  /** Ready instances at the time. */
  readonly ready: number;
  /** Requests in flight through the router to the service (all releases). */
  readonly inFlight: number;
  /** Requests per second that ended since the sample before. */
  readonly requestRate: number;
  /** CPU of the ready instances summed, in percent of one core; null where not known. */
  readonly cpuPercent: number | null;
}

export type AutoscaleMode = 'stable' | 'panic';

/** What the next decision needs to remember of the earlier ones. */
export interface AutoscaleMemory {
  /** The count last decided. */
  readonly desired: number;
  /** The last time the panic condition held (panic lasts a stable window beyond it), or null. */
  readonly panicAt: number | null;
  readonly lastScaleUpAt: number | null;
  /** The last time a request was seen (in flight, ended, or held): the idle clock for scaling to zero. */
  readonly lastActiveAt: number;
}

export type DecisionReason = 'load' | 'idle' | 'wake' | 'no-data' | 'held';

export interface AutoscaleDecision {
  readonly desired: number;
  readonly mode: AutoscaleMode;
  readonly reason: DecisionReason;
  readonly measure: AutoscaleTargetKind;
  /** The per-instance target of the measure. */
  readonly target: number;
  /** The demand averaged over each window (total over the service, in the measure's unit). */
  readonly stableDemand: number;
  readonly panicDemand: number;
  /** Ready instances in the latest sample. */
  readonly ready: number;
  readonly memory: AutoscaleMemory;
}

/** The panic threshold: the panic window's demand needs this many times the ready capacity. */
export const panicFactor = 2;

export function initialMemory(desired: number, now: number): AutoscaleMemory {
  return { desired, panicAt: null, lastScaleUpAt: null, lastActiveAt: now };
}

function demandOf(sample: AutoscaleSample, measure: AutoscaleTargetKind): number | null {
  switch (measure) {
    case 'concurrency':
      return sample.inFlight;
    case 'rps':
      return sample.requestRate;
    case 'cpu':
      return sample.cpuPercent;
  }
}

function average(window: readonly AutoscaleSample[], since: number, measure: AutoscaleTargetKind): number | null {
  let sum = 0;
  let count = 0;
  for (const sample of window) {
    if (sample.at <= since) continue;
    const value = demandOf(sample, measure);
    if (value === null) continue;
    sum += value;
    count += 1;
  }
  return count === 0 ? null : sum / count;
}

function clamp(value: number, policy: AutoscaleSpec): number {
  return Math.min(policy.max, Math.max(policy.min, value));
}

export interface DecideInput {
  readonly policy: AutoscaleSpec;
  /** Samples, oldest first; those older than the stable window are ignored. */
  readonly window: readonly AutoscaleSample[];
  readonly last: AutoscaleMemory;
  readonly now: number;
}

export function decide({ policy, window, last, now }: DecideInput): AutoscaleDecision {
  const { kind: measure, value: target } = targetMeasure(policy.target);
  const latest = window.at(-1);
  const ready = latest?.ready ?? 0;
  const active = window.some((s) => s.at > last.lastActiveAt && (s.inFlight > 0 || s.requestRate > 0));
  const lastActiveAt = active ? Math.max(...window.filter((s) => s.inFlight > 0 || s.requestRate > 0).map((s) => s.at)) : last.lastActiveAt;
  const stableDemand = average(window, now - policy.stableWindow, measure);
  const panicDemand = average(window, now - policy.panicWindow, measure);
  const figures = { measure, target, stableDemand: stableDemand ?? 0, panicDemand: panicDemand ?? 0, ready };

  if (stableDemand === null || panicDemand === null) {
    const desired = clamp(last.desired, policy);
    return { ...figures, desired, mode: last.panicAt === null ? 'stable' : 'panic', reason: 'no-data', memory: { ...last, desired, lastActiveAt } };
  }

  const stableCount = Math.ceil(stableDemand / target);
  const panicCount = Math.ceil(panicDemand / target);
  // With nothing ready (starting, or at zero) the capacity counts as one instance's.
  const panicCondition = panicCount >= panicFactor * Math.max(ready, 1);
  const panicAt = panicCondition ? now : last.panicAt !== null && now - last.panicAt < policy.stableWindow ? last.panicAt : null;
  const mode: AutoscaleMode = panicAt === null ? 'stable' : 'panic';

  let desired: number;
  let reason: DecisionReason = 'load';
  if (mode === 'panic') {
    desired = Math.max(last.desired, panicCount, stableCount);
  } else {
    desired = stableCount;
    if (desired < last.desired && last.lastScaleUpAt !== null && now - last.lastScaleUpAt < policy.stableWindow) {
      desired = last.desired;
      reason = 'held';
    }
  }
  // Scaling to zero needs a whole idleAfter without a request; until then one instance stays.
  if (desired < 1 && policy.min === 0) {
    if (now - lastActiveAt >= policy.idleAfter) {
      desired = 0;
      reason = 'idle';
    } else {
      desired = 1;
    }
  }
  desired = clamp(desired, policy);
  const lastScaleUpAt = desired > last.desired ? now : last.lastScaleUpAt;
  return { ...figures, desired, mode, reason, memory: { desired, panicAt, lastScaleUpAt, lastActiveAt } };
}

/**
 * A request is held for the service while it has no instance: at least one instance, at once
 * (a scale-up, so no scale-down follows within the stable window).
 */
export function wake(policy: AutoscaleSpec, last: AutoscaleMemory, now: number): AutoscaleMemory {
  const desired = clamp(Math.max(last.desired, 1), policy);
  return { ...last, desired, lastActiveAt: now, lastScaleUpAt: desired > last.desired ? now : last.lastScaleUpAt };
}
