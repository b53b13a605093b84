/**
 * recreate: stop every instance of the old release, wait until they are gone, then start the new
 * ones. For services that cannot run two versions at once; requests wait (or fail) in between.
 */
import type { ObservedInstance, ReleaseInstances, RolloutInput, RolloutPlan, Strategy, StrategyOf } from './strategy.js';
import { instancesOf, live, pickDrains, readyCount } from './instances.js';

interface ReplaceStep {
  readonly start: number;
  readonly drain: readonly string[];
  readonly done: boolean;
  readonly detail: string;
}

/** One step of replacing `old` by `target` the recreate way; also used to roll back. */
export function recreateStep(desired: number, old: readonly ObservedInstance[], target: ReleaseInstances): ReplaceStep {
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
  const { desired, stable, next, requests, now } = input;
  const aborted = input.cursor.aborted ?? (requests.abort ? { reason: 'aborted by a person', at: now } : undefined);
  const cursor = aborted ? { ...input.cursor, aborted } : input.cursor;
  const [old, target] = aborted && stable ? [next.instances, stable] : [instancesOf(stable), next];
  const step: ReplaceStep =
    aborted && !stable
      ? { start: 0, drain: live(next.instances).map((instance) => instance.id), done: next.instances.length === 0, detail: 'no earlier release to return to' }
      : recreateStep(desired, old, target);
  const held = requests.paused && !aborted && !step.done;
  return {
    start: held || step.start === 0 ? [] : [{ release: target.release, count: step.start }],
    drain: held ? [] : step.drain,
    traffic: { kind: 'spread' },
    matches: [],
    phase: aborted ? 'aborted' : step.done ? 'completed' : held ? 'paused' : 'progressing',
    reason: aborted ? `${aborted.reason}; ${step.detail}` : held ? `paused by a person; ${step.detail}` : step.detail,
    cursor,
  };
}

export const recreate: Strategy<StrategyOf<'recreate'>> = { plan };
