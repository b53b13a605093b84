/**
 * The fail-fast analysis on simulated traffic (seeded): a canary as good as the stable release is
 * rarely stopped, early or at the window's end, and a canary answering 5xx to 30% of its
 * requests is stopped after a few dozen of its requests, long before its window ends.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultAnalysis } from '../spec/schema.js';
import type { AnalysisSpec } from '../spec/schema.js';
import { simulateAnalysis } from './testing/simulated-traffic.js';
import type { ReleaseBehaviour } from './testing/simulated-traffic.js';

const spec: AnalysisSpec = defaultAnalysis;
const stable: ReleaseBehaviour = { errorRate: 0.001, medianMs: 20, slowdown: 1 };
/** Requests per second: the canary at a 10% weight of a modest load. */
const traffic = fc.record({
  seed: fc.integer(),
  canaryPerSecond: fc.integer({ min: 5, max: 40 }),
});
/** The most canary requests a 30%-error canary may serve before it is stopped, looking after every request. */
const abortWithin = 60;

function falseAborts(trials: number, seed: number, behaviour: ReleaseBehaviour = stable): { aborts: number; early: number; trials: number } {
  let aborts = 0;
  let early = 0;
  for (const { seed: trialSeed, canaryPerSecond } of fc.sample(traffic, { numRuns: trials, seed })) {
    const run = simulateAnalysis({
      spec,
      canary: behaviour,
      stable: behaviour,
      canaryPerLook: canaryPerSecond,
      stablePerLook: canaryPerSecond * 9,
      lookEveryMs: 1000,
      seed: trialSeed,
    });
    if (run.outcome === 'fail') aborts++;
    if (run.outcome === 'fail' && run.elapsedMs < spec.window) early++;
  }
  return { aborts, early, trials };
}

describe('judgeSoFar on simulated traffic', () => {
  it('stops a canary as good as stable (same error rate, same latencies) in under 1% of trials', () => {
    const measured = falseAborts(1000, 20261206);
    console.log(`as good as stable: ${measured.aborts} of ${measured.trials} aborted, ${measured.early} of them before the window's end`);
    expect(measured.aborts / measured.trials).toBeLessThan(0.01);
  });

  it('never stops early a canary with half its limit of errors (0.5%, as stable), in 300 trials', () => {
    const measured = falseAborts(300, 1206, { ...stable, errorRate: 0.005 });
    console.log(`0.5% errors, as stable: ${measured.early} of ${measured.trials} stopped before the window's end (${measured.aborts} failed in all)`);
    expect(measured.early).toBe(0);
  });

  it(`stops a canary answering 5xx to 30% of requests after at most ${abortWithin} of its requests (looking after each one)`, () => {
    const served: number[] = [];
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const run = simulateAnalysis({
          spec,
          canary: { ...stable, errorRate: 0.3 },
          stable,
          canaryPerLook: 1,
          stablePerLook: 9,
          lookEveryMs: 10,
          seed,
        });
        served.push(run.canaryRequests);
        expect(run.outcome).toBe('fail');
        expect(run.canaryRequests).toBeLessThanOrEqual(abortWithin);
        expect(run.verdict.reason).toMatch(/conclusively above max 1%/);
      }),
      { seed: 20261206, numRuns: 2000 },
    );
    served.sort((a, b) => a - b);
    console.log(`30% errors: stopped after ${served[Math.floor(served.length / 2)]} canary requests (median), ${served.at(-1)} at most, over ${served.length} runs`);
  });

  it('stops it within a few seconds when looking once a second, with the old end-of-window rule taking the whole window', () => {
    const bad = { spec, canary: { ...stable, errorRate: 0.3 }, stable, canaryPerLook: 20, stablePerLook: 180, lookEveryMs: 1000, seed: 7 };
    const fast = simulateAnalysis(bad);
    const old = simulateAnalysis({ ...bad, spec: { ...spec, failFast: false }, lookEveryMs: spec.window, canaryPerLook: 20 * 30, stablePerLook: 180 * 30 });
    expect(fast.outcome).toBe('fail');
    expect(fast.elapsedMs).toBeLessThanOrEqual(3000);
    expect(old.outcome).toBe('fail');
    expect(old.elapsedMs).toBe(spec.window);
    expect(old.canaryErrors).toBeGreaterThan(10 * fast.canaryErrors);
  });
});
