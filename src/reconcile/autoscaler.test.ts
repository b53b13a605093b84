import { describe, expect, it } from 'vitest';
import type { AutoscaleSpec } from '../spec/schema-autoscale.js';
import { decide, initialMemory, wake } from './autoscaler.js';
import type { AutoscaleMemory, AutoscaleSample } from './autoscaler.js';

const policy: AutoscaleSpec = {
  min: 1,
  max: 10,
  target: { concurrency: 5 },
  stableWindow: 10_000,
  panicWindow: 2_000,
  idleAfter: 30_000,
};

/** One sample a second over [from, to], each with `inFlight` requests and `ready` instances. */
function samples(from: number, to: number, inFlight: number, ready: number): AutoscaleSample[] {
  const out: AutoscaleSample[] = [];
  for (let at = from; at <= to; at += 1000) out.push({ at, ready, inFlight, requestRate: inFlight * 10, cpuPercent: null });
  return out;
}

describe('decide', () => {
  it('sets the count from the stable window average in stable mode', () => {
    const decision = decide({ policy, window: samples(1000, 10_000, 12, 3), last: initialMemory(3, 0), now: 10_000 });
    expect(decision).toMatchObject({ desired: 3, mode: 'stable', reason: 'load', stableDemand: 12, target: 5, measure: 'concurrency' });
  });

  it('panics when the panic window needs twice the ready capacity, and scales up at once', () => {
    // Quiet for 8 s, then 40 in flight for 2 s against 2 instances of capacity 5 each.
    const window = [...samples(1000, 8000, 5, 2), ...samples(9000, 10_000, 40, 2)];
    const decision = decide({ policy, window, last: initialMemory(2, 0), now: 10_000 });
    expect(decision).toMatchObject({ mode: 'panic', desired: 8, panicDemand: 40 });
    expect(decision.memory).toMatchObject({ panicAt: 10_000, lastScaleUpAt: 10_000 });
  });

  it('does not scale down in panic, and leaves panic a stable window after the condition', () => {
    const inPanic: AutoscaleMemory = { desired: 8, panicAt: 10_000, lastScaleUpAt: 10_000, lastActiveAt: 10_000 };
    const quiet = decide({ policy, window: samples(11_000, 15_000, 1, 8), last: inPanic, now: 15_000 });
    expect(quiet).toMatchObject({ mode: 'panic', desired: 8 });
    const later = decide({ policy, window: samples(11_000, 20_000, 1, 8), last: quiet.memory, now: 20_000 });
    expect(later).toMatchObject({ mode: 'stable', desired: 1 });
  });

  it('holds a scale-down within the stable window of a scale-up', () => {
    const last: AutoscaleMemory = { desired: 6, panicAt: null, lastScaleUpAt: 5_000, lastActiveAt: 5_000 };
    expect(decide({ policy, window: samples(6000, 14_000, 5, 6), last, now: 14_000 })).toMatchObject({ desired: 6, reason: 'held' });
    expect(decide({ policy, window: samples(6000, 15_000, 5, 6), last, now: 15_000 })).toMatchObject({ desired: 1, reason: 'load' });
  });

  it('keeps the count without samples, and stays within [min, max]', () => {
    expect(decide({ policy, window: [], last: initialMemory(4, 0), now: 1000 })).toMatchObject({ desired: 4, reason: 'no-data' });
    expect(decide({ policy, window: samples(1000, 10_000, 500, 10), last: initialMemory(10, 0), now: 10_000 }).desired).toBe(10);
    expect(decide({ policy, window: samples(1000, 10_000, 0, 1), last: initialMemory(1, 0), now: 10_000 }).desired).toBe(1);
  });

  it('scales to zero only after idleAfter without a request, and a wake brings one back', () => {
    const zeroable = { ...policy, min: 0 };
    const busyUntil = samples(1000, 5000, 2, 1);
    const early = decide({ policy: zeroable, window: [...busyUntil, ...samples(6000, 20_000, 0, 1)], last: initialMemory(1, 0), now: 20_000 });
    expect(early).toMatchObject({ desired: 1 });
    expect(early.memory.lastActiveAt).toBe(5000);
    const idle = decide({ policy: zeroable, window: samples(26_000, 35_000, 0, 1), last: early.memory, now: 35_000 });
    expect(idle).toMatchObject({ desired: 0, reason: 'idle' });
    const woken = wake(zeroable, idle.memory, 40_000);
    expect(woken).toMatchObject({ desired: 1, lastActiveAt: 40_000, lastScaleUpAt: 40_000 });
  });

  it('scales on request rate and on cpu', () => {
    const rps = decide({ policy: { ...policy, target: { rps: 20 } }, window: samples(1000, 10_000, 10, 2), last: initialMemory(2, 0), now: 10_000 });
    expect(rps).toMatchObject({ measure: 'rps', desired: 5, stableDemand: 100 });
    const cpuWindow = samples(1000, 10_000, 1, 2).map((s) => ({ ...s, cpuPercent: 210 }));
    const cpu = decide({ policy: { ...policy, target: { cpu: 70 } }, window: cpuWindow, last: initialMemory(2, 0), now: 10_000 });
    expect(cpu).toMatchObject({ measure: 'cpu', desired: 3 });
  });
});
