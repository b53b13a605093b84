/**
 * Decides what to start, restart and stop for one service: `plan(desired, observed, now)`, no I/O.
 * The desired count is kept with instances of the current config; instances of an older config
 * are stopped only as new ones become ready, so a config change never drops below the desired
 * number of ready instances.
 */
import type { InstanceState, ObservedInstance } from '../core/instance.js';

/** What the planners read of an observed instance. */
export type PlannerInstance = Pick<ObservedInstance, 'id' | 'service' | 'configHash' | 'state' | 'nextStartAt' | 'ordinal'>;

export interface DesiredCount {
  readonly service: string;
  readonly configHash: string;
  readonly instances: number;
}

export type StopReason = 'scaled-down' | 'outdated' | 'removed' | 'rollout';

export type InstanceAction =
  | { readonly kind: 'start'; readonly service: string }
  | { readonly kind: 'restart'; readonly instanceId: string }
  | { readonly kind: 'stop'; readonly instanceId: string; readonly reason: StopReason };

export interface InstancePlan {
  readonly actions: readonly InstanceAction[];
  /** When to plan again even if nothing changes (a crashed instance's backoff ends), or null. */
  readonly wakeAt: number | null;
}

/** Lower is stopped first: broken before healthy, so scaling down keeps the best instances. */
const stopPreference: Record<InstanceState, number> = {
  crashed: 0,
  unhealthy: 1,
  starting: 2,
  ready: 3,
  stopping: -1,
};

function byStopPreference(a: PlannerInstance, b: PlannerInstance): number {
  return stopPreference[a.state] - stopPreference[b.state] || b.ordinal - a.ordinal;
}

export function planService(
  desired: DesiredCount | undefined,
  observed: readonly PlannerInstance[],
  now: number,
): InstancePlan {
  const live = observed.filter((instance) => instance.state !== 'stopping');
  if (!desired) {
    return { actions: live.map((i) => stop(i, 'removed')), wakeAt: null };
  }
  const actions: InstanceAction[] = [];
  const current = live.filter((i) => i.configHash === desired.configHash).sort(byStopPreference);
  const outdated = live.filter((i) => i.configHash !== desired.configHash).sort(byStopPreference);

  const surplus = current.length - desired.instances;
  const kept = surplus > 0 ? current.slice(surplus) : current;
  for (const instance of current.slice(0, Math.max(surplus, 0))) actions.push(stop(instance, 'scaled-down'));
  for (let i = 0; i < -surplus; i++) actions.push({ kind: 'start', service: desired.service });

  let wakeAt: number | null = null;
  for (const instance of kept) {
    if (instance.state !== 'crashed' || instance.nextStartAt === null) continue;
    if (instance.nextStartAt <= now) actions.push({ kind: 'restart', instanceId: instance.id });
    else wakeAt = Math.min(wakeAt ?? Infinity, instance.nextStartAt);
  }

  const readyCurrent = kept.filter((i) => i.state === 'ready').length;
  const outdatedToKeep = Math.max(0, desired.instances - readyCurrent);
  const outdatedToStop = Math.max(0, outdated.length - outdatedToKeep);
  for (const instance of outdated.slice(0, outdatedToStop)) actions.push(stop(instance, 'outdated'));
  return { actions, wakeAt };
}

function stop(instance: PlannerInstance, reason: StopReason): InstanceAction {
  return { kind: 'stop', instanceId: instance.id, reason };
}
