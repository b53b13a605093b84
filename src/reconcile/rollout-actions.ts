/**
 * Turns a strategy's plan into instance actions for one service: start instances of the stable
 * or the new release, drain the ones the plan names, keep restarting crashed ones with backoff,
 * and drain instances of any other release once the two releases carry the load. Pure.
 */
import type { RolloutPlan } from '../rollout/index.js';
import type { ObservedInstance } from '../core/instance.js';
import type { PlannerInstance, StopReason } from './instance-planner.js';

export type RolloutGroup = 'stable' | 'next' | 'other';

export interface GroupedInstance extends PlannerInstance, Partial<Pick<ObservedInstance, 'reason' | 'restarts'>> {
  readonly group: RolloutGroup;
}

export type RolloutInstanceAction =
  | { readonly kind: 'start'; readonly group: 'stable' | 'next' }
  | { readonly kind: 'restart'; readonly instanceId: string }
  | { readonly kind: 'drain'; readonly instanceId: string; readonly reason: StopReason };

export interface RolloutActionsInput {
  readonly plan: RolloutPlan;
  readonly instances: readonly GroupedInstance[];
  /** The release names the plan uses for the two groups. */
  readonly labels: { readonly stable: string; readonly next: string };
  readonly desired: number;
  readonly now: number;
}

export interface RolloutActions {
  readonly actions: readonly RolloutInstanceAction[];
  readonly wakeAt: number | null;
}

/** Lower goes first: an instance serving nothing before one that serves. */
const drainPreference = { crashed: 0, unhealthy: 1, starting: 2, ready: 3, stopping: 4 } as const;

export function planRolloutActions(input: RolloutActionsInput): RolloutActions {
  const { plan, instances, labels, desired, now } = input;
  const actions: RolloutInstanceAction[] = [];
  const byId = new Map(instances.map((instance) => [instance.id, instance]));
  const draining = new Set<string>();
  for (const id of plan.drain) {
    const instance = byId.get(id);
    if (!instance || instance.state === 'stopping') continue;
    draining.add(id);
    actions.push({ kind: 'drain', instanceId: id, reason: 'rollout' });
  }
  for (const start of plan.start) {
    const group = start.release === labels.next ? 'next' : start.release === labels.stable ? 'stable' : null;
    if (group === null) continue;
    for (let index = 0; index < start.count; index++) actions.push({ kind: 'start', group });
  }

  let wakeAt: number | null = plan.wakeAt ?? null;
  for (const instance of instances) {
    if (instance.group === 'other' || draining.has(instance.id) || instance.state !== 'crashed' || instance.nextStartAt === null) continue;
    if (instance.nextStartAt <= now) actions.push({ kind: 'restart', instanceId: instance.id });
    else wakeAt = Math.min(wakeAt ?? Infinity, instance.nextStartAt);
  }

  // Instances of a third release (one a newer deployment superseded) keep serving only while
  // the stable and new releases together have fewer ready instances than desired.
  const ready = instances.filter((instance) => instance.group !== 'other' && instance.state === 'ready').length;
  const others = instances
    .filter((instance) => instance.group === 'other' && instance.state !== 'stopping')
    .sort((a, b) => drainPreference[a.state] - drainPreference[b.state] || b.ordinal - a.ordinal);
  const keep = Math.max(0, desired - ready);
  // The oldest stay, as when scaling down.
  const readyOthers = others.filter((instance) => instance.state === 'ready').sort((a, b) => a.ordinal - b.ordinal);
  const keptReady = new Set(readyOthers.slice(0, keep).map((instance) => instance.id));
  for (const instance of others) {
    if (!keptReady.has(instance.id)) actions.push({ kind: 'drain', instanceId: instance.id, reason: 'outdated' });
  }
  return { actions, wakeAt };
}
