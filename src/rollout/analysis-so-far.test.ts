import { describe, expect, it } from 'vitest';
import type { AnalysisSpec } from '../spec/schema.js';
import { analysisSchema } from '../spec/schema.js';
import type { ReleaseWindow } from './analysis.js';
import { judgeSoFar, nextLookInMs } from './analysis-so-far.js';
import { histogramOf } from './histogram.js';

const spec: AnalysisSpec = analysisSchema.parse({ window: '30s', minRequests: 50 });

function window(requests: number, errors: number): ReleaseWindow {
  return { requests, errors, latency: histogramOf(Array.from({ length: requests }, (_, index) => 20 + (index % 40))) };
}

describe('judgeSoFar', () => {
  it('fails a canary as soon as its errors are conclusive, before minRequests and the window end', () => {
    const verdict = judgeSoFar(spec, { canary: window(20, 6), stable: window(180, 0) }, 2000);
    expect(verdict.outcome).toBe('fail');
    expect(verdict.reason).toMatch(/^errorRate 30% \(6 of 20\) conclusively above max 1% \(sequential test: likelihood ratio [\d.e+]+ ≥ 1000\)$/);
    expect(verdict.checks.map((check) => [check.metric, check.outcome])).toEqual([
      ['errorRate', 'fail'],
      ['p99/stable', 'inconclusive'],
    ]);
  });

  it('goes on measuring while the evidence is not conclusive', () => {
    const verdict = judgeSoFar(spec, { canary: window(200, 3), stable: window(1800, 2) }, 10_000);
    expect(verdict.outcome).toBe('inconclusive');
    expect(verdict.reason).toBe('10s of the 30s window: no conclusive failure so far');
  });

  it('judges the whole analysis at the window end', () => {
    expect(judgeSoFar(spec, { canary: window(200, 0), stable: window(1800, 0) }, 30_000).outcome).toBe('pass');
    expect(judgeSoFar(spec, { canary: window(200, 3), stable: window(1800, 0) }, 30_000).reason).toBe('errorRate 1.5% (3 of 200) above max 1%');
  });

  it('still fails on conclusive errors after the window end while the canary lacks minRequests', () => {
    expect(judgeSoFar(spec, { canary: window(20, 10), stable: window(180, 0) }, 31_000).outcome).toBe('fail');
    expect(judgeSoFar(spec, { canary: window(20, 0), stable: window(180, 0) }, 31_000).reason).toBe('too few requests: 20 of 50');
  });

  it('with failFast: false, judges only at the window end (the end-of-window rule)', () => {
    const old = { ...spec, failFast: false };
    expect(judgeSoFar(old, { canary: window(20, 10), stable: window(180, 0) }, 2000).outcome).toBe('inconclusive');
    expect(nextLookInMs(old, 2000)).toBe(28_000);
  });

  it('looks again every interimEvery (1s by default), and no later than the window end', () => {
    expect(nextLookInMs(spec, 0)).toBe(1000);
    expect(nextLookInMs({ ...spec, interimEvery: 5000 }, 27_000)).toBe(3000);
    expect(nextLookInMs(spec, 31_000)).toBe(0);
  });
});
