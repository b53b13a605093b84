/** Traffic plans built from release names and weights. */
import type { TrafficPlan } from './strategy.js';

export function allTo(release: string): TrafficPlan {
  return { kind: 'split', weights: { [release]: 100 } };
}

/** `nextWeight` percent to `next`, the rest to `stable` (all to `next` when there is no stable release). */
export function splitTraffic(stable: string | undefined, next: string, nextWeight: number): TrafficPlan {
  const weight = Math.max(0, Math.min(100, Math.round(nextWeight)));
  if (stable === undefined || stable === next || weight === 100) return allTo(next);
  if (weight === 0) return allTo(stable);
  return { kind: 'split', weights: { [stable]: 100 - weight, [next]: weight } };
}
