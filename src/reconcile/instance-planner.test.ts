import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planService } from './instance-planner.js';
import type { InstanceState } from '../core/instance.js';
import type { PlannerInstance } from './instance-planner.js';

const now = 1_000_000;
let ordinal = 0;
function instance(state: InstanceState, configHash = 'h1', extra: Partial<PlannerInstance> = {}): PlannerInstance {
  ordinal += 1;
  return { id: `web-${ordinal}`, service: 'web', configHash, state, nextStartAt: null, ordinal, ...extra };
}
const desired = (instances: number, configHash = 'h1') => ({ service: 'web', configHash, instances });

describe('planService', () => {
  it('starts the missing instances', () => {
    const plan = planService(desired(3), [instance('ready')], now);
    expect(plan.actions).toEqual([
      { kind: 'start', service: 'web' },
      { kind: 'start', service: 'web' },
    ]);
  });

  it('restarts a crashed instance once its backoff is over, and waits otherwise', () => {
    const due = instance('crashed', 'h1', { nextStartAt: now - 1 });
    const later = instance('crashed', 'h1', { nextStartAt: now + 500 });
    const plan = planService(desired(2), [due, later], now);
    expect(plan.actions).toEqual([{ kind: 'restart', instanceId: due.id }]);
    expect(plan.wakeAt).toBe(now + 500);
  });

  it('scales down by stopping broken instances first, then the newest', () => {
    const ready1 = instance('ready');
    const crashed = instance('crashed', 'h1', { nextStartAt: now + 10 });
    const ready2 = instance('ready');
    const unhealthy = instance('unhealthy');
    const plan = planService(desired(2), [ready1, crashed, ready2, unhealthy], now);
    expect(plan.actions).toEqual([
      { kind: 'stop', instanceId: crashed.id, reason: 'scaled-down' },
      { kind: 'stop', instanceId: unhealthy.id, reason: 'scaled-down' },
    ]);
  });

  it('stops everything of a removed service', () => {
    const a = instance('ready');
    const b = instance('starting');
    expect(planService(undefined, [a, b], now).actions).toEqual([
      { kind: 'stop', instanceId: a.id, reason: 'removed' },
      { kind: 'stop', instanceId: b.id, reason: 'removed' },
    ]);
  });

  it('replaces outdated instances only as new ones become ready', () => {
    const old1 = instance('ready', 'h1');
    const old2 = instance('ready', 'h1');
    const first = planService(desired(2, 'h2'), [old1, old2], now);
    expect(first.actions).toEqual([
      { kind: 'start', service: 'web' },
      { kind: 'start', service: 'web' },
    ]);
    const oneNewReady = planService(desired(2, 'h2'), [old1, old2, instance('ready', 'h2'), instance('starting', 'h2')], now);
    expect(oneNewReady.actions).toEqual([{ kind: 'stop', instanceId: old2.id, reason: 'outdated' }]);
  });

  it('ignores instances already stopping', () => {
    expect(planService(desired(1), [instance('stopping'), instance('ready')], now).actions).toEqual([]);
  });

  it('property: after applying the plan, the instances of the current config equal the desired count', () => {
    const states: InstanceState[] = ['starting', 'ready', 'unhealthy', 'crashed', 'stopping'];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.record({ state: fc.constantFrom(...states), current: fc.boolean() }), { maxLength: 12 }),
        (count, specs) => {
          const observed = specs.map((s, i) => ({
            id: `i${i}`,
            service: 'web',
            configHash: s.current ? 'h2' : 'h1',
            state: s.state,
            nextStartAt: s.state === 'crashed' ? now : null,
            ordinal: i,
          }));
          const plan = planService(desired(count, 'h2'), observed, now);
          const stopped = new Set(plan.actions.flatMap((a) => (a.kind === 'stop' ? [a.instanceId] : [])));
          const started = plan.actions.filter((a) => a.kind === 'start').length;
          const current = observed.filter((o) => o.configHash === 'h2' && o.state !== 'stopping' && !stopped.has(o.id));
          expect(current.length + started).toBe(count);
          // Never stop so many outdated ready instances that fewer than `count` ready ones remain.
          const readyLeft = observed.filter((o) => o.state === 'ready' && !stopped.has(o.id)).length;
          const readyBefore = observed.filter((o) => o.state === 'ready').length;
          expect(readyLeft).toBeGreaterThanOrEqual(Math.min(count, readyBefore));
        },
      ),
    );
  });
});
