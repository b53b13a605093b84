/**
 * What the strategies that replace instances without weighting traffic (recreate, rolling) share:
 * the abort bookkeeping, rolling back towards the stable release, stopping when a new instance is
 * stuck, and turning one step into a plan.
 */
import { instancesOf, live, stuckReason } from './instances.js';
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
  const readyIds = new Set([...instancesOf(stable), ...next.instances].filter((instance) => instance.state === 'ready').map((instance) => instance.id));
  const target = aborted && stable ? stable.release : next.release;
  const held = requests.paused && !aborted && !current.done;
  // A new instance waiting will not make ready: no ready instance is drained for it (it goes on by itself once the instance recovers).
  const stuck = aborted || current.done ? undefined : stuckReason(next, stable);
  const drain = held ? [] : stuck ? current.drain.filter((id) => !readyIds.has(id)) : current.drain;
  return {
    start: held || current.start === 0 ? [] : [{ release: target, count: current.start }],
    drain,
    traffic: { kind: 'spread' },
    matches: [],
    phase: aborted ? 'aborted' : current.done ? 'completed' : held || stuck ? 'paused' : 'progressing',
    reason: aborted ? `${aborted.reason}; ${current.detail}` : held ? `paused by a person; ${current.detail}` : stuck ? `${current.detail}; ${stuck}` : current.detail,
    cursor,
  };
}
