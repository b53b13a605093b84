import { describe, expect, it } from 'vitest';
import type { RolloutPlan } from '../rollout/index.js';
import type { GroupedInstance } from './rollout-actions.js';
import { planRolloutActions } from './rollout-actions.js';

const now = 1_000_000;
let ordinal = 0;
function instance(group: GroupedInstance['group'], state: GroupedInstance['state'], extra: Partial<GroupedInstance> = {}): GroupedInstance {
  ordinal += 1;
  return { id: `${group}-${ordinal}`, service: 'web', configHash: `hash-${group}`, group, state, nextStartAt: null, ordinal, ...extra };
}

function plan(extra: Partial<RolloutPlan> = {}): RolloutPlan {
  return {
    start: [],
    drain: [],
    traffic: { kind: 'spread' },
    matches: [],
    phase: 'progressing',
    reason: 'test',
    cursor: { step: 0, stepStartedAt: now },
    ...extra,
  };
}

const labels = { stable: 'v1', next: 'v2' };

describe('planRolloutActions', () => {
  it("starts the plan's instances of either release and drains the ones it names, once", () => {
    const old = instance('stable', 'ready');
    const leaving = instance('stable', 'stopping');
    const result = planRolloutActions({
      plan: plan({ start: [{ release: 'v2', count: 2 }, { release: 'v1', count: 1 }], drain: [old.id, leaving.id, 'gone'] }),
      instances: [old, leaving],
      labels,
      desired: 2,
      now,
    });
    expect(result.actions).toEqual([
      { kind: 'drain', instanceId: old.id, reason: 'rollout' },
      { kind: 'start', group: 'next' },
      { kind: 'start', group: 'next' },
      { kind: 'start', group: 'stable' },
    ]);
  });

  it('restarts crashed instances of both releases after their backoff, and wakes up for the others', () => {
    const due = instance('next', 'crashed', { nextStartAt: now - 1 });
    const later = instance('stable', 'crashed', { nextStartAt: now + 700 });
    const drained = instance('next', 'crashed', { nextStartAt: now - 1 });
    const result = planRolloutActions({ plan: plan({ drain: [drained.id], wakeAt: now + 5000 }), instances: [due, later, drained], labels, desired: 2, now });
    expect(result.actions).toEqual([
      { kind: 'drain', instanceId: drained.id, reason: 'rollout' },
      { kind: 'restart', instanceId: due.id },
    ]);
    expect(result.wakeAt).toBe(now + 700);
  });

  it('keeps ready instances of a superseded release only while the two releases lack ready instances', () => {
    const others = [instance('other', 'ready'), instance('other', 'ready'), instance('other', 'starting')];
    const short = planRolloutActions({ plan: plan(), instances: [instance('stable', 'ready'), ...others], labels, desired: 2, now });
    expect(short.actions).toEqual([
      { kind: 'drain', instanceId: others[2]!.id, reason: 'outdated' },
      { kind: 'drain', instanceId: others[1]!.id, reason: 'outdated' },
    ]);
    const carried = planRolloutActions({ plan: plan(), instances: [instance('stable', 'ready'), instance('next', 'ready'), ...others], labels, desired: 2, now });
    expect(carried.actions.map((action) => action.kind === 'drain' && action.instanceId).sort()).toEqual(others.map((other) => other.id).sort());
  });
});
