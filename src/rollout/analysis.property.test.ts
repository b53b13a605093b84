/**
 * The default analysis at the end of a window on simulated traffic (seeded): a release identical
 * to the stable one (same latency generator, same error rate) is failed in under 1% of windows,
 * small ones included; a canary 2× slower in every request is failed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultAnalysis } from '../spec/schema.js';
import { judgeAnalysis } from './analysis.js';
import type { AnalysisVerdict } from './analysis.js';
import { SimulatedRelease, seededRandom } from './testing/simulated-traffic.js';
import type { ReleaseBehaviour } from './testing/simulated-traffic.js';

const stable: ReleaseBehaviour = { errorRate: 0.001, medianMs: 20, slowdown: 1 };

/** One window at a 10% canary weight: `canaryRequests` for the canary, nine times more for stable. */
function windowVerdict(canary: ReleaseBehaviour, canaryRequests: number, seed: number): AnalysisVerdict {
  const random = seededRandom(seed);
  const canaryRelease = new SimulatedRelease(canary, random);
  const stableRelease = new SimulatedRelease(stable, random);
  canaryRelease.serve(canaryRequests);
  stableRelease.serve(canaryRequests * 9);
  return judgeAnalysis(defaultAnalysis, { canary: canaryRelease.window(), stable: stableRelease.window() });
}

interface Failures {
  readonly trials: number;
  readonly failed: number;
  /** Failed by the p99/stable check. */
  readonly ratioFailed: number;
  /** p99/stable above its limit, passed as noise. */
  readonly ratioExcused: number;
}

function failures(canary: ReleaseBehaviour, sizes: fc.Arbitrary<number>, trials: number): Failures {
  let failed = 0;
  let ratioFailed = 0;
  let ratioExcused = 0;
  for (const { seed, requests } of fc.sample(fc.record({ seed: fc.integer(), requests: sizes }), { numRuns: trials, seed: 1206 })) {
    const verdict = windowVerdict(canary, requests, seed);
    const ratio = verdict.checks.find((check) => check.metric === 'p99/stable');
    if (verdict.outcome === 'fail') failed++;
    if (ratio?.outcome === 'fail') ratioFailed++;
    if (ratio?.outcome === 'pass' && (ratio.value ?? 0) > ratio.limit) ratioExcused++;
  }
  return { failed, trials, ratioFailed, ratioExcused };
}

describe('the default analysis (properties)', () => {
  it('fails a release identical to the stable one in under 1% of windows of 50 to 1200 canary requests', () => {
    const measured = failures(stable, fc.integer({ min: 50, max: 1200 }), 2000);
    console.log(`identical release: ${measured.failed} of ${measured.trials} windows failed (${measured.ratioFailed} by p99/stable)`);
    expect(measured.failed / measured.trials).toBeLessThan(0.01);
  });

  // The p99 of a window is noisy for a slow canary too (a few requests make its tail): the ratio
  // alone sometimes stays under its limit. What matters is that the noise margin never excuses it.
  it('fails a canary 2× slower than stable in at least 98% of windows of 600 to 1200 canary requests, never excusing its ratio as noise', () => {
    const measured = failures({ ...stable, slowdown: 2 }, fc.integer({ min: 600, max: 1200 }), 200);
    console.log(`2× slower canary: ${measured.failed} of ${measured.trials} windows failed, ${measured.ratioExcused} excused`);
    expect(measured.failed / measured.trials).toBeGreaterThanOrEqual(0.98);
    expect(measured.ratioExcused).toBe(0);
  });

  it('fails a canary 2× slower in at least 85% of small windows (50 to 600 canary requests), never excusing its ratio as noise', () => {
    const measured = failures({ ...stable, slowdown: 2 }, fc.integer({ min: 50, max: 600 }), 300);
    console.log(`2× slower canary, small windows: ${measured.failed} of ${measured.trials} failed, ${measured.ratioExcused} excused`);
    expect(measured.failed / measured.trials).toBeGreaterThanOrEqual(0.85);
    expect(measured.ratioExcused).toBe(0);
  });
});
