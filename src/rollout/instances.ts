/** Counting and choosing instances, the small vocabulary every strategy shares. */
import type { CountOrPercent } from '../spec/schema.js';
import type { RolloutInstance, ReleaseInstances } from './strategy.js';

/** Instances that are not leaving: starting, ready, unhealthy or crashed (the supervisor restarts a crashed one). */
export function live(instances: readonly RolloutInstance[]): RolloutInstance[] {
  return instances.filter((instance) => instance.state !== 'stopping');
}

export function readyCount(instances: readonly RolloutInstance[]): number {
  return instances.filter((instance) => instance.state === 'ready').length;
}

/** Crashes in a row after which a new instance is taken as one that waiting will not make ready. */
export const stuckAfterRestarts = 3;
/** Reasons (the kubelet's) that say the instance's image cannot be had: no restart fixes them. */
const imageUnavailable = /^(ImagePullBackOff|ErrImagePull|ErrImageNeverPull|InvalidImageName)\b/;

/**
 * A crashed instance that waiting will not make ready: its image cannot be pulled, or it crashed
 * `stuckAfterRestarts` times in a row (CrashLoopBackOff, or a process that exits at once).
 */
export function stuckInstance(instances: readonly RolloutInstance[]): RolloutInstance | undefined {
  return instances.find((instance) => instance.state === 'crashed' && ((instance.restarts ?? 0) >= stuckAfterRestarts || imageUnavailable.test(instance.reason ?? '')));
}

/**
 * Why waiting will not move the rollout on: `stopped: ID of vN cannot become ready: REASON`, and
 * how to go back; undefined while no new instance is stuck.
 */
export function stuckReason(next: ReleaseInstances, stable: ReleaseInstances | undefined): string | undefined {
  const stuck = stuckInstance(live(next.instances));
  if (!stuck) return undefined;
  const back = stable ? `; \`skiff rollout abort\` goes back to ${stable.release}` : '';
  return `stopped: ${stuck.id} of ${next.release} cannot become ready: ${stuck.reason ?? `crashed ${stuck.restarts ?? 0} times`}${back}`;
}

export function instancesOf(release: ReleaseInstances | undefined): readonly RolloutInstance[] {
  return release?.instances ?? [];
}

/**
 * Which live instances to drain first: those serving nothing (crashed, unhealthy, starting), so
 * availability drops only when a ready one must go.
 */
export function drainOrder(instances: readonly RolloutInstance[]): RolloutInstance[] {
  const candidates = live(instances);
  return [...candidates.filter((instance) => instance.state !== 'ready'), ...candidates.filter((instance) => instance.state === 'ready')];
}

/**
 * Picks up to `count` instances to drain, non-ready first, taking ready ones only while
 * `readyBudget` lasts. Returns the ids and how many ready ones were taken.
 */
export function pickDrains(
  instances: readonly RolloutInstance[],
  count: number,
  readyBudget: number,
): { readonly ids: string[]; readonly readyTaken: number } {
  const ids: string[] = [];
  let readyTaken = 0;
  for (const instance of drainOrder(instances)) {
    if (ids.length >= count) break;
    if (instance.state === 'ready') {
      if (readyTaken >= readyBudget) break;
      readyTaken++;
    }
    ids.push(instance.id);
  }
  return { ids, readyTaken };
}

/** A count or a share of `desired`; shares round up for a surge and down for unavailability. */
export function resolveCount(value: CountOrPercent, desired: number, round: 'up' | 'down'): number {
  switch (value.kind) {
    case 'count':
      return value.value;
    case 'percent': {
      const exact = (desired * value.value) / 100;
      // Absorbs float noise such as 3 * 33.3 / 100, so a share that is a whole number rounds to it.
      const nearest = Math.round(exact);
      if (Math.abs(exact - nearest) < 1e-9) return nearest;
      return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
    }
  }
}
