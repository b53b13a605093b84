/**
 * canary: the new release gets traffic in steps (`weight`), with pauses and analyses between
 * them. A weight step completes once enough new instances are ready for it, and only then is its
 * weight in force. After the last step the new release is scaled to the desired count, gets all
 * traffic, and the stable release is drained. A failed analysis or a person's abort rolls back.
 *
 * Cursor steps: 0..n-1 are the spec's steps, n is "full" (all traffic to the new release), n+1 is done.
 */
import type { CanaryStepSpec } from '../spec/schema.js';
import { assertNever } from '../core/assert-never.js';
import { instancesOf, live, pickDrains, readyCount, stuckReason } from './instances.js';
import { rollBack } from './rollback.js';
import type { RolloutCursor, RolloutInput, RolloutPlan, StartInstances, Strategy, StrategyOf } from './strategy.js';
import { allTo, splitTraffic } from './traffic.js';

type Input = RolloutInput<StrategyOf<'canary'>>;

/** New instances needed to carry `weight` percent of the traffic: at least one while any step runs. */
export function canaryInstances(desired: number, weight: number): number {
  if (desired === 0) return 0;
  return Math.min(desired, Math.max(1, Math.ceil((desired * weight) / 100)));
}

/** The weight in force at `step`: that of the last weight step before it. */
export function weightBefore(steps: readonly CanaryStepSpec[], step: number): number {
  for (let index = Math.min(step, steps.length) - 1; index >= 0; index--) {
    const candidate = steps[index];
    if (candidate?.kind === 'weight') return candidate.weight;
  }
  return 0;
}

type Outcome = { readonly kind: 'advance' } | { readonly kind: 'wait' } | { readonly kind: 'abort'; readonly reason: string };

function stepOutcome(input: Input, step: CanaryStepSpec, cursor: RolloutCursor): Outcome {
  switch (step.kind) {
    case 'weight':
      return readyCount(live(input.next.instances)) >= canaryInstances(input.desired, step.weight) ? { kind: 'advance' } : { kind: 'wait' };
    case 'pause':
      if (step.durationMs === null) {
        const resumedAt = input.requests.resumedAt;
        return resumedAt !== undefined && resumedAt >= cursor.stepStartedAt ? { kind: 'advance' } : { kind: 'wait' };
      }
      return input.now >= cursor.stepStartedAt + step.durationMs ? { kind: 'advance' } : { kind: 'wait' };
    case 'analysis': {
      const last = input.analysis;
      if (last === undefined || last.step !== cursor.step) return { kind: 'wait' };
      switch (last.verdict.outcome) {
        case 'pass':
          return { kind: 'advance' };
        case 'inconclusive':
          return { kind: 'wait' };
        case 'fail':
          return { kind: 'abort', reason: `analysis "${step.name}" failed: ${failedChecks(last.verdict)}` };
        default:
          return assertNever(last.verdict.outcome, 'analysis outcome');
      }
    }
    default:
      return assertNever(step, 'canary step');
  }
}

function failedChecks(verdict: { readonly checks: readonly { readonly outcome: string; readonly detail: string }[] }): string {
  return verdict.checks.filter((check) => check.outcome === 'fail').map((check) => check.detail).join('; ') || 'no detail';
}

/** Moves the cursor past every step already satisfied; stops at a waiting step or at an abort. */
function advance(input: Input): RolloutCursor {
  const { steps } = input.strategy;
  let cursor = input.cursor;
  if (cursor.aborted || cursor.step > steps.length) return cursor;
  if (input.requests.abort) return { ...cursor, aborted: { reason: 'aborted by a person', at: input.now } };
  if (cursor.step < steps.length && (input.requests.promote || input.stable === undefined)) {
    cursor = { step: steps.length, stepStartedAt: input.now };
  }
  if (input.requests.paused) return cursor;
  while (cursor.step < steps.length) {
    const step = steps[cursor.step] as CanaryStepSpec;
    const outcome = stepOutcome(input, step, cursor);
    if (outcome.kind === 'wait') break;
    if (outcome.kind === 'abort') return { ...cursor, aborted: { reason: outcome.reason, at: input.now } };
    cursor = { step: cursor.step + 1, stepStartedAt: input.now };
  }
  if (cursor.step === steps.length && fullyShifted(input) && instancesOf(input.stable).length === 0) {
    cursor = { step: steps.length + 1, stepStartedAt: input.now };
  }
  return cursor;
}

function fullyShifted(input: Input): boolean {
  return readyCount(live(input.next.instances)) >= input.desired;
}

function plan(input: Input): RolloutPlan {
  const { strategy, desired, stable, next, requests } = input;
  const cursor = advance(input);
  const base = { matches: [], cursor } as const;
  if (cursor.aborted) {
    const back = rollBack(desired, stable, next);
    return { ...base, start: back.start, drain: back.drain, traffic: back.traffic, phase: 'aborted', reason: `${cursor.aborted.reason}; ${back.detail}` };
  }
  const { steps } = strategy;
  const nextLive = live(next.instances);
  const nextReady = readyCount(nextLive);
  const held = requests.paused;

  if (cursor.step > steps.length) {
    return { ...base, start: [], drain: [], traffic: allTo(next.release), phase: 'completed', reason: `${next.release} has all traffic` };
  }

  const final = cursor.step === steps.length;
  const current = steps[cursor.step];
  const targetWeight = final ? 100 : current?.kind === 'weight' ? current.weight : weightBefore(steps, cursor.step);
  const target = final ? desired : canaryInstances(desired, targetWeight);
  const start: StartInstances[] = [];
  if (target > nextLive.length) start.push({ release: next.release, count: target - nextLive.length });
  const drain = pickDrains(nextLive, nextLive.length - target, Number.POSITIVE_INFINITY).ids;
  const stableLive = live(instancesOf(stable));

  if (final && nextReady >= desired) {
    return {
      ...base,
      start: held ? [] : start,
      drain: held ? [] : [...drain, ...stableLive.map((instance) => instance.id)],
      traffic: allTo(next.release),
      phase: 'promoted',
      reason: `${next.release} has all traffic; ${instancesOf(stable).length} instance(s) of ${stable?.release ?? 'the old release'} left to stop`,
    };
  }
  if (stable && stableLive.length < desired) start.push({ release: stable.release, count: desired - stableLive.length });

  const weight = nextReady > 0 ? weightBefore(steps, cursor.step) : 0;
  const matches = strategy.match && nextReady > 0 ? [{ match: strategy.match, release: next.release }] : [];
  const shared = { ...base, start: held ? [] : start, drain: held ? [] : drain, traffic: splitTraffic(stable?.release, next.release, weight), matches };
  const at = `step ${cursor.step + 1} of ${steps.length}, ${weight}% on ${next.release}`;
  if (held) return { ...shared, phase: 'paused', reason: `paused by a person at ${at}` };
  const stuck = final || current?.kind === 'weight' ? stuckReason(next, stable) : undefined;
  // Waiting would not get the instances this step needs: stop here and say why (it goes on by itself once the instance recovers).
  if (stuck) return { ...shared, phase: 'paused', reason: `${at}: ${stuck}` };
  if (final) return { ...shared, phase: 'progressing', reason: `scaling ${next.release} to all traffic: ${nextReady} of ${desired} ready` };
  const step = current as CanaryStepSpec;
  switch (step.kind) {
    case 'weight':
      return { ...shared, phase: 'progressing', reason: `${at}: waiting for ${canaryInstances(desired, step.weight)} ready instance(s) for ${step.weight}%, ${nextReady} ready` };
    case 'pause':
      if (step.durationMs === null) return { ...shared, phase: 'paused', reason: `${at}: paused until resumed` };
      return { ...shared, phase: 'paused', reason: `${at}: pausing`, wakeAt: cursor.stepStartedAt + step.durationMs };
    case 'analysis': {
      const last = input.analysis?.step === cursor.step ? input.analysis.verdict : undefined;
      const detail = last?.outcome === 'inconclusive' ? `: inconclusive, ${last.counts.canary.requests} request(s) so far` : '';
      return {
        ...shared,
        phase: 'analysing',
        reason: `${at}: analysis "${step.name}"${detail}`,
        analysis: { name: step.name, step: cursor.step, since: cursor.stepStartedAt },
      };
    }
    default:
      return assertNever(step, 'canary step');
  }
}

export const canary: Strategy<StrategyOf<'canary'>> = { plan };
