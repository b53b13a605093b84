/**
 * Rolling back a weighted rollout (canary, blue-green) to its stable release: the stable release
 * is brought back to the desired count, traffic moves to it as its instances are ready, and the
 * new release is drained once the stable one can carry the load.
 */
import { instancesOf, live, readyCount } from './instances.js';
import type { ReleaseInstances, StartInstances, TrafficPlan } from './strategy.js';
import { allTo, splitTraffic } from './traffic.js';

export interface RollbackStep {
  readonly start: readonly StartInstances[];
  readonly drain: readonly string[];
  readonly traffic: TrafficPlan;
  /** The stable release runs the desired count and nothing of the new release is left. */
  readonly done: boolean;
  readonly detail: string;
}

export function rollBack(desired: number, stable: ReleaseInstances | undefined, next: ReleaseInstances): RollbackStep {
  const nextLive = live(next.instances);
  const nextReady = readyCount(nextLive);
  if (stable === undefined) {
    return {
      start: [],
      drain: nextLive.map((instance) => instance.id),
      traffic: allTo(next.release),
      done: next.instances.length === 0,
      detail: `no earlier release to return to; stopping ${next.release}`,
    };
  }
  const stableLive = live(instancesOf(stable));
  const stableReady = readyCount(stableLive);
  const missing = Math.max(0, desired - stableLive.length);
  const stableCarries = stableReady >= desired;
  let traffic: TrafficPlan;
  if (stableCarries || nextReady === 0) traffic = allTo(stable.release);
  else if (stableReady === 0) traffic = allTo(next.release);
  else traffic = splitTraffic(stable.release, next.release, (100 * nextReady) / (nextReady + stableReady));
  // Instances of the new release that serve nothing can go at once; ready ones once stable carries the load.
  const drain = nextLive.filter((instance) => stableCarries || instance.state !== 'ready').map((instance) => instance.id);
  return {
    start: missing > 0 ? [{ release: stable.release, count: missing }] : [],
    drain,
    traffic,
    done: stableCarries && next.instances.length === 0,
    detail: stableCarries
      ? `all traffic on ${stable.release}; ${next.instances.length} instance(s) of ${next.release} left to stop`
      : `waiting for ${stable.release}: ${stableReady} of ${desired} ready`,
  };
}
