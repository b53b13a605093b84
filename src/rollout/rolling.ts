/**
 * rolling: replace instances a few at a time. Never more than desired + maxSurge live instances
 * (stopping ones are leaving and not counted), never drain a ready instance when that leaves
 * fewer than desired − maxUnavailable ready, so with maxUnavailable 0 an old instance is drained
 * only after its replacement is ready.
 */
import { live, pickDrains, readyCount, resolveCount } from './instances.js';
import { planReplacement } from './replacement.js';
import type { ReplaceStep } from './replacement.js';
import type { RolloutInstance, ReleaseInstances, RolloutInput, RolloutPlan, Strategy, StrategyOf } from './strategy.js';

export interface RollingLimits {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

/** The limits in instances for `desired`; when both come out 0 one instance may be unavailable, or nothing could move. */
export function rollingLimits(strategy: StrategyOf<'rolling'>, desired: number): RollingLimits {
  const maxSurge = resolveCount(strategy.maxSurge, desired, 'up');
  const maxUnavailable = resolveCount(strategy.maxUnavailable, desired, 'down');
  return { maxSurge, maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable };
}


/** One step of replacing `old` by `target` within the limits; also used to roll back. */
export function rollingStep(desired: number, limits: RollingLimits, old: readonly RolloutInstance[], target: ReleaseInstances): ReplaceStep {
  const oldLive = live(old);
  const targetLive = live(target.instances);
  const targetReady = readyCount(targetLive);
  let readyBudget = Math.max(0, readyCount(oldLive) + targetReady - (desired - limits.maxUnavailable));

  const oldDrains = pickDrains(oldLive, oldLive.length, readyBudget);
  readyBudget -= oldDrains.readyTaken;
  // More target instances than desired (the desired count went down during the rollout).
  const targetDrains = pickDrains(targetLive, targetLive.length - desired, readyBudget);

  const liveAfter = oldLive.length - oldDrains.ids.length + targetLive.length - targetDrains.ids.length;
  const targetAfter = targetLive.length - targetDrains.ids.length;
  const start = Math.max(0, Math.min(desired - targetAfter, desired + limits.maxSurge - liveAfter));
  const done = old.length === 0 && targetReady >= desired && targetLive.length === desired;
  return {
    start,
    drain: [...oldDrains.ids, ...targetDrains.ids],
    done,
    detail: `${target.release}: ${targetReady} of ${desired} ready; ${old.length} old instance(s) left`,
  };
}

function plan(input: RolloutInput<StrategyOf<'rolling'>>): RolloutPlan {
  const limits = rollingLimits(input.strategy, input.desired);
  return planReplacement(input, (old, target) => rollingStep(input.desired, limits, old, target));
}

export const rolling: Strategy<StrategyOf<'rolling'>> = { plan };
