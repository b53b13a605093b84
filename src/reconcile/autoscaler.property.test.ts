/**
 * For random policies and random load over time, fed tick by tick as the control loop does: the
 * count never leaves [min, max]; it never goes down within a stable window of a scale-up; in panic
 * it never goes down; panic starts whenever the panic window needs twice the ready capacity, and
 * ends exactly when a stable window passed without that.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns } from '../core/testing/fuzz-runs.js';
import type { AutoscaleSpec } from '../spec/schema-autoscale.js';
import { decide, initialMemory, panicFactor, wake } from './autoscaler.js';
import type { AutoscaleSample } from './autoscaler.js';

const tickMs = 500;

const policyArb = fc
  .record({
    min: fc.integer({ min: 0, max: 5 }),
    span: fc.integer({ min: 0, max: 20 }),
    target: fc.oneof(
      fc.integer({ min: 1, max: 50 }).map((concurrency) => ({ concurrency })),
      fc.integer({ min: 1, max: 200 }).map((rps) => ({ rps })),
      fc.integer({ min: 10, max: 100 }).map((cpu) => ({ cpu })),
    ),
    stableTicks: fc.integer({ min: 1, max: 30 }),
    panicTicks: fc.integer({ min: 1, max: 30 }),
    idleTicks: fc.integer({ min: 1, max: 60 }),
  })
  .map(({ min, span, target, stableTicks, panicTicks, idleTicks }): AutoscaleSpec => ({
    min,
    max: Math.max(1, min + span),
    target,
    stableWindow: stableTicks * tickMs,
    panicWindow: Math.min(panicTicks, stableTicks) * tickMs,
    idleAfter: idleTicks * tickMs,
  }));

/** Per tick: the load (in the measure's unit), how many of the desired instances are ready, whether a wake comes. */
const tickArb = fc.record({
  load: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 30 })),
  readyShare: fc.double({ min: 0, max: 1, noNaN: true }),
  wake: fc.boolean(),
});

describe('autoscaler (properties)', () => {
  it('keeps the bounds, holds scale-downs after a scale-up, panics only up, and enters and leaves panic as defined', () => {
    fc.assert(
      fc.property(policyArb, fc.array(tickArb, { minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 30 }), (policy, ticks, start) => {
        let memory = initialMemory(Math.min(policy.max, Math.max(policy.min, start)), 0);
        const window: AutoscaleSample[] = [];
        let lastCondition: number | null = null;
        ticks.forEach((tick, index) => {
          const now = (index + 1) * tickMs;
          const ready = Math.round(memory.desired * tick.readyShare);
          const value = tick.load;
          window.push({ at: now, ready, inFlight: value, requestRate: value, cpuPercent: value });
          while ((window[0]?.at ?? now) <= now - policy.stableWindow) window.shift();
          const before = memory;
          const decision = decide({ policy, window, last: memory, now });
          const { desired } = decision;

          expect(desired).toBeGreaterThanOrEqual(policy.min);
          expect(desired).toBeLessThanOrEqual(policy.max);
          if (before.lastScaleUpAt !== null && now - before.lastScaleUpAt < policy.stableWindow) {
            expect(desired).toBeGreaterThanOrEqual(before.desired);
          }
          if (decision.mode === 'panic') expect(desired).toBeGreaterThanOrEqual(before.desired);

          const target = Object.values(policy.target)[0] as number;
          const condition = Math.ceil(decision.panicDemand / target) >= panicFactor * Math.max(ready, 1);
          if (condition) lastCondition = now;
          const expectedMode = lastCondition !== null && now - lastCondition < policy.stableWindow ? 'panic' : 'stable';
          expect(decision.mode).toBe(expectedMode);
          if (decision.mode === 'panic') expect(desired).toBeGreaterThanOrEqual(Math.min(policy.max, Math.ceil(decision.panicDemand / target)));

          memory = decision.memory;
          if (tick.wake) {
            memory = wake(policy, memory, now);
            expect(memory.desired).toBeGreaterThanOrEqual(Math.min(1, policy.max));
          }
        });
      }),
      { numRuns: fuzzRuns(300, 100_000) },
    );
  });

  it('reaches zero with min 0 only after idleAfter without a request', () => {
    fc.assert(
      fc.property(policyArb, fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 })), { minLength: 1, maxLength: 200 }), (raw, loads) => {
        const policy = { ...raw, min: 0 };
        let memory = initialMemory(1, 0);
        let lastRequest = 0;
        const window: AutoscaleSample[] = [];
        loads.forEach((load, index) => {
          const now = (index + 1) * tickMs;
          if (load > 0) lastRequest = now;
          window.push({ at: now, ready: memory.desired, inFlight: load, requestRate: load, cpuPercent: load });
          while ((window[0]?.at ?? now) <= now - policy.stableWindow) window.shift();
          const decision = decide({ policy, window, last: memory, now });
          if (decision.desired === 0) expect(now - lastRequest).toBeGreaterThanOrEqual(policy.idleAfter);
          memory = decision.memory;
        });
      }),
      { numRuns: fuzzRuns(300, 100_000) },
    );
  });
});
