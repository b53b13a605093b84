/**
 * For random sizes, limits and random readiness orders (with crashes the supervisor restarts):
 * a plan never drains a ready instance below desired − maxUnavailable ready, never brings the
 * live instances above desired + maxSurge, and the rollout completes once instances do become ready.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { strategySchema } from '../spec/schema.js';
import type { InstanceState } from './strategy.js';
import { rollingLimits } from './rolling.js';
import { World } from './testing/world.js';

const countOrShare = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 100 }).map((value) => `${value}%`));

const scenario = fc.record({
  desired: fc.integer({ min: 0, max: 12 }),
  stableReady: fc.integer({ min: 0, max: 12 }),
  maxSurge: countOrShare,
  maxUnavailable: countOrShare,
  // One random choice per instance per round: how starting instances fare, and whether a stopping one is gone.
  events: fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 0, maxLength: 400 }),
});

describe('rolling (properties)', () => {
  it('keeps the limits and completes', () => {
    fc.assert(
      fc.property(scenario, ({ desired, stableReady, maxSurge, maxUnavailable, events }) => {
        const parsed = strategySchema.safeParse({ type: 'rolling', maxSurge, maxUnavailable });
        fc.pre(parsed.success);
        const strategy = parsed.data!;
        if (strategy.type !== 'rolling') throw new Error('expected rolling');
        const limits = rollingLimits(strategy, desired);
        const world = new World({ strategy, desired, stable: 'v1', next: 'v2', stableReady });
        let cursor = 0;
        const nextEvent = () => events[cursor++] ?? 0;
        // Random rounds first, then rounds where everything eventually becomes ready.
        for (let round = 0; round < 200; round++) {
          const live = world.instances.filter((instance) => instance.state !== 'stopping');
          const readyBefore = live.filter((instance) => instance.state === 'ready').length;
          const plan = world.step();
          const liveAfter = world.instances.filter((instance) => instance.state !== 'stopping');
          const readyAfter = liveAfter.filter((instance) => instance.state === 'ready').length;
          expect(readyAfter).toBeGreaterThanOrEqual(Math.min(readyBefore, desired - limits.maxUnavailable));
          expect(liveAfter.length).toBeLessThanOrEqual(Math.max(live.length, desired + limits.maxSurge));
          if (plan.phase === 'completed') {
            expect(world.count('v1')).toBe(0);
            expect(world.count('v2', 'ready')).toBe(desired);
            return;
          }
          const chaotic = cursor < events.length;
          world.instances = world.instances.flatMap((instance) => {
            const roll = chaotic ? nextEvent() : 0;
            if (instance.state === 'stopping') return roll < 70 ? [] : [instance];
            let state: InstanceState = instance.state;
            if (state === 'starting') state = roll < 50 ? 'ready' : roll < 60 ? 'crashed' : 'starting';
            else if (state === 'crashed' || state === 'unhealthy') state = roll < 60 ? 'starting' : state;
            else if (state === 'ready' && chaotic && roll >= 97) state = 'crashed';
            return [{ ...instance, state }];
          });
        }
        throw new Error(`did not complete: ${world.last?.reason}`);
      }),
      { numRuns: 300 },
    );
  });
});
