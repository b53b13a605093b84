import { describe, expect, it } from 'vitest';
import type { CrashFacts, RestartDecision } from './restart-backoff.js';
import { defaultBackoffPolicy, restartAfterCrash, restartDelayMs } from './restart-backoff.js';

const noJitter = () => 0.5;

describe('restartDelayMs', () => {
  it('retries the first crash at once, then doubles up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 12, 30].map((n) => restartDelayMs(n, noJitter));
    expect(delays).toEqual([0, 250, 500, 1000, 2000, 30_000, 30_000]);
  });
  it('jitters within the configured fraction and never past the cap', () => {
    expect(restartDelayMs(3, () => 0)).toBe(400);
    expect(restartDelayMs(3, () => 0.999999)).toBe(600);
    expect(restartDelayMs(20, () => 0.999999)).toBe(defaultBackoffPolicy.maxMs);
  });
});

describe('restartAfterCrash', () => {
  it.each<[string, CrashFacts, RestartDecision]>([
    ['first crash, never ready: at once', { previousCrashes: 0, readyForMs: null }, { consecutiveCrashes: 1, delayMs: 0 }],
    ['crash loop before ready: backs off', { previousCrashes: 5, readyForMs: null }, { consecutiveCrashes: 6, delayMs: 4000 }],
    ['long crash loop before ready: up to the cap', { previousCrashes: 12, readyForMs: null }, { consecutiveCrashes: 13, delayMs: 30_000 }],
    ['ready for 10 s: the count starts again', { previousCrashes: 9, readyForMs: 10_000 }, { consecutiveCrashes: 1, delayMs: 0 }],
    ['served 300 ms after many crashes: at once, the count kept', { previousCrashes: 9, readyForMs: 300 }, { consecutiveCrashes: 9, delayMs: 0 }],
    ['served 300 ms on its first crash: at once', { previousCrashes: 0, readyForMs: 300 }, { consecutiveCrashes: 1, delayMs: 0 }],
    ['failed start after served crashes: backs off from the kept count', { previousCrashes: 3, readyForMs: null }, { consecutiveCrashes: 4, delayMs: 1000 }],
  ])('%s', (_, facts, expected) => {
    expect(restartAfterCrash(facts, noJitter)).toEqual(expected);
  });
});

/**
 * Two instances of a service that each exit after serving 300 requests, under a steady load
 * shared by the ready ones: how long the service has no ready instance, with a decision rule.
 */
function zeroReadyMs(decide: (facts: CrashFacts) => RestartDecision, load: { readonly startupMs: number; readonly perSecond: number }): { longestMs: number; totalMs: number } {
  const stepMs = 10;
  const { startupMs } = load;
  const requestsPerMs = load.perSecond / 1000;
  const instances = [0, 1].map((index) => ({ state: 'ready' as 'ready' | 'starting' | 'crashed', served: index * 150, readySince: 0, until: 0, crashes: 0 }));
  let longestMs = 0;
  let totalMs = 0;
  let gapMs = 0;
  for (let now = 0; now < 60_000; now += stepMs) {
    const ready = instances.filter((instance) => instance.state === 'ready');
    for (const instance of ready) instance.served += (requestsPerMs * stepMs) / ready.length;
    for (const instance of instances) {
      if (instance.state === 'ready' && instance.served >= 300) {
        const decision = decide({ previousCrashes: instance.crashes, readyForMs: now - instance.readySince });
        Object.assign(instance, { state: 'crashed', crashes: decision.consecutiveCrashes, until: now + decision.delayMs, served: 0 });
      } else if (instance.state === 'crashed' && now >= instance.until) {
        Object.assign(instance, { state: 'starting', until: now + startupMs });
      } else if (instance.state === 'starting' && now >= instance.until) {
        Object.assign(instance, { state: 'ready', readySince: now });
      }
    }
    gapMs = instances.some((instance) => instance.state === 'ready') ? 0 : gapMs + stepMs;
    if (gapMs > 0) totalMs += stepMs;
    longestMs = Math.max(longestMs, gapMs);
  }
  return { longestMs, totalMs };
}

describe('two instances crashing every 300 requests under load', () => {
  const before = (facts: CrashFacts): RestartDecision => {
    const consecutiveCrashes = facts.readyForMs !== null && facts.readyForMs >= defaultBackoffPolicy.resetAfterMs ? 1 : facts.previousCrashes + 1;
    return { consecutiveCrashes, delayMs: restartDelayMs(consecutiveCrashes, noJitter) };
  };
  it.each([
    { perSecond: 200, startupMs: 200 },
    { perSecond: 200, startupMs: 500 },
    { perSecond: 500, startupMs: 300 },
  ])('never leave the service without a ready instance ($perSecond requests/s, $startupMs ms to get ready)', (load) => {
    const now = zeroReadyMs((facts) => restartAfterCrash(facts, noJitter), load);
    const old = zeroReadyMs(before, load);
    console.log(`${load.perSecond}/s, start ${load.startupMs}ms: no ready instance ${now.totalMs}ms of 60s, longest ${now.longestMs}ms (before: ${old.totalMs}ms, longest ${old.longestMs}ms)`);
    expect(now.longestMs).toBeLessThanOrEqual(10); // one simulation step, when both crash in it
    expect(old.longestMs).toBeGreaterThan(5000);
  });

  it('at a load where one instance alone crashes before the other is back, waits no longer than a start', () => {
    const load = { perSecond: 1000, startupMs: 500 };
    const now = zeroReadyMs((facts) => restartAfterCrash(facts, noJitter), load);
    const old = zeroReadyMs(before, load);
    console.log(`${load.perSecond}/s, start ${load.startupMs}ms: no ready instance ${now.totalMs}ms of 60s, longest ${now.longestMs}ms (before: ${old.totalMs}ms, longest ${old.longestMs}ms)`);
    expect(now.longestMs).toBeLessThanOrEqual(load.startupMs);
    expect(old.longestMs).toBeGreaterThan(5000);
  });
});
