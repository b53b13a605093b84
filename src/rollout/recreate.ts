/**
 * recreate: stop every instance of the old release, wait until they are gone, then start the new
 * ones. For services that cannot run two versions at once; requests wait (or fail) in between.
 */
import { live, pickDrains, readyCount } from './instances.js';
import { planReplacement } from './replacement.js';
import type { ReplaceStep } from './replacement.js';
import type { RolloutInstance, ReleaseInstances, RolloutInput, RolloutPlan, Strategy, StrategyOf } from './strategy.js';

/** One step of replacing `old` by `target` the recreate way; also used to roll back. */
export function recreateStep(desired: number, old: readonly RolloutInstance[], target: ReleaseInstances): ReplaceStep {
  const targetLive = live(target.instances);
  const excess = pickDrains(targetLive, targetLive.length - desired, Number.POSITIVE_INFINITY).ids;
  const drain = [...live(old).map((instance) => instance.id), ...excess];
  if (old.length > 0) {
    return { start: 0, drain, done: false, detail: `stopping ${old.length} old instance(s) before starting ${target.release}` };
  }
  const ready = readyCount(targetLive);
  return {
    start: Math.max(0, desired - targetLive.length),
    drain,
    done: ready >= desired && targetLive.length === desired,
    detail: `${target.release}: ${ready} of ${desired} ready`,
  };
}

function plan(input: RolloutInput<StrategyOf<'recreate'>>): RolloutPlan {
  return planReplacement(input, (old, target) => recreateStep(input.desired, old, target));
}

export const recreate: Strategy<StrategyOf<'recreate'>> = { plan };
