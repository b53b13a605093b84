/**
 * What the strategies that replace instances without weighting traffic (recreate, rolling) share:
 * the abort bookkeeping, rolling back towards the stable release, and turning one step into a plan.
 */
import { instancesOf, live } from './instances.js';
import type { RolloutInstance, ReleaseInstances, RolloutCursor, RolloutInput, RolloutPlan } from './strategy.js';

/** One step of replacing old instances by a target release's. */
export interface ReplaceStep {
  readonly start: number;
  readonly drain: readonly string[];
  readonly done: boolean;
  readonly detail: string;
}

export type StepFunction = (old: readonly RolloutInstance[], target: ReleaseInstances) => ReplaceStep;

/** Plans a replacement rollout: forward to the new release, or back to the stable one once aborted. */
export function planReplacement(input: RolloutInput, step: StepFunction): RolloutPlan {
  const { stable, next, requests, now } = input;
  const aborted = input.cursor.aborted ?? (requests.abort ? { reason: 'aborted by a person', at: now } : undefined);
  const cursor: RolloutCursor = aborted ? { ...input.cursor, aborted } : input.cursor;
  // Rolling back is the same replacement towards the stable release.
  const current: ReplaceStep =
    aborted && stable
      ? step(next.instances, stable)
      : aborted
        ? { start: 0, drain: live(next.instances).map((instance) => instance.id), done: next.instances.length === 0, detail: 'no earlier release to return to' }
        : step(instancesOf(stable), next);
  const target = aborted && stable ? stable.release : next.release;
  const held = requests.paused && !aborted && !current.done;
  return {
    start: held || current.start === 0 ? [] : [{ release: target, count: current.start }],
    drain: held ? [] : current.drain,
    traffic: { kind: 'spread' },
    matches: [],
    phase: aborted ? 'aborted' : current.done ? 'completed' : held ? 'paused' : 'progressing',
    reason: aborted ? `${aborted.reason}; ${current.detail}` : held ? `paused by a person; ${current.detail}` : current.detail,
    cursor,
  };
}
