import { describe, expect, it } from 'vitest';
import type { AnalysisSpec } from '../spec/schema.js';
import { analysisSchema } from '../spec/schema.js';
import { judgeAnalysis } from './analysis.js';
import type { ReleaseWindow } from './analysis.js';
import { histogramOf } from './histogram.js';

const spec: AnalysisSpec = analysisSchema.parse({
  minRequests: 50,
  checks: [
    { metric: 'errorRate', max: '1%' },
    { metric: 'p99', max: '300ms' },
    { metric: 'p99', maxRatioToStable: 1.2 },
    { metric: 'latency', test: 'mann-whitney', alpha: 0.05 },
  ],
});

/** `requests` latencies spread evenly over [low, high) ms, with `errors` failures. */
function window(requests: number, errors: number, low: number, high: number, withSamples = false): ReleaseWindow {
  const samples = Array.from({ length: requests }, (_, index) => low + ((high - low) * index) / requests);
  return { requests, errors, latency: histogramOf(samples), ...(withSamples ? { samples } : {}) };
}

describe('judgeAnalysis', () => {
  it('passes a canary that behaves like the stable release, with every figure in the verdict', () => {
    const verdict = judgeAnalysis(spec, { canary: window(200, 1, 20, 80), stable: window(2000, 10, 20, 80) });
    expect(verdict.outcome).toBe('pass');
    expect(verdict.checks.map((check) => [check.metric, check.outcome])).toEqual([
      ['errorRate', 'pass'],
      ['p99', 'pass'],
      ['p99/stable', 'pass'],
      ['latency mann-whitney', 'pass'],
    ]);
    expect(verdict.checks[0]).toMatchObject({ value: 0.005, limit: 0.01, ok: true });
    expect(verdict.counts.canary).toMatchObject({ requests: 200, errors: 1, errorRate: 0.005 });
    expect(verdict.counts.stable?.requests).toBe(2000);
    expect(verdict.counts.canary.p99).toBeGreaterThan(70);
  });

  it('fails a canary returning 5xx for 20% of requests', () => {
    const verdict = judgeAnalysis(spec, { canary: window(500, 100, 20, 80), stable: window(2000, 0, 20, 80) });
    expect(verdict.outcome).toBe('fail');
    expect(verdict.checks[0]).toMatchObject({ metric: 'errorRate', value: 0.2, ok: false, outcome: 'fail' });
    expect(verdict.reason).toBe('errorRate 20% (100 of 500) above max 1%');
  });

  it('fails a canary whose p99 is beyond 1.2 × stable, and whose latencies are significantly slower', () => {
    const verdict = judgeAnalysis(spec, { canary: window(400, 0, 40, 160, true), stable: window(400, 0, 20, 80, true) });
    expect(verdict.outcome).toBe('fail');
    const byMetric = Object.fromEntries(verdict.checks.map((check) => [check.metric, check]));
    expect(byMetric['p99']?.outcome).toBe('pass');
    expect(byMetric['p99/stable']).toMatchObject({ outcome: 'fail', limit: 1.2 });
    expect(byMetric['p99/stable']?.value).toBeGreaterThan(1.8);
    expect(byMetric['latency mann-whitney']?.outcome).toBe('fail');
    expect(byMetric['latency mann-whitney']?.value).toBeLessThan(1e-6);
  });

  it('passes a p99 ratio above its limit when the canary is not significantly slower (a small window of an identical release)', () => {
    const ratioOnly: AnalysisSpec = analysisSchema.parse({ minRequests: 50, checks: [{ metric: 'p99', maxRatioToStable: 1.2 }] });
    const spread = (count: number): number[] => Array.from({ length: count }, (_, index) => 20 + (60 * index) / count);
    // Both have 1% of slow requests; the canary's one slow request of 60 lands in a higher bucket.
    const canary = { requests: 60, errors: 0, latency: histogramOf([...spread(59), 110]) };
    const stable = { requests: 900, errors: 0, latency: histogramOf([...spread(891), ...Array<number>(9).fill(95)]) };
    const verdict = judgeAnalysis(ratioOnly, { canary, stable });
    expect(verdict.outcome).toBe('pass');
    expect(verdict.checks[0]?.value).toBeGreaterThan(1.2);
    expect(verdict.checks[0]?.detail).toMatch(/above max 1.2 but within noise: Mann-Whitney p=[\d.e-]+, tail p=[\d.e-]+ \(1 of the \d+ requests above/);
  });

  it('fails an absolute p99 limit', () => {
    const verdict = judgeAnalysis(spec, { canary: window(100, 0, 200, 600), stable: window(100, 0, 200, 600) });
    expect(verdict.checks[1]).toMatchObject({ metric: 'p99', outcome: 'fail', limit: 300 });
  });

  it('is inconclusive below minRequests, and judges nothing then', () => {
    const verdict = judgeAnalysis(spec, { canary: window(49, 40, 20, 80), stable: window(2000, 0, 20, 80) });
    expect(verdict.outcome).toBe('inconclusive');
    expect(verdict.checks.every((check) => check.outcome === 'inconclusive' && !check.ok)).toBe(true);
    expect(verdict.reason).toBe('too few requests: 49 of 50');
  });

  it('is inconclusive on comparisons when the stable release has too few requests, but still fails on absolute limits', () => {
    const quiet = judgeAnalysis(spec, { canary: window(100, 0, 20, 80), stable: window(10, 0, 20, 80) });
    expect(quiet.outcome).toBe('inconclusive');
    expect(quiet.checks.map((check) => check.outcome)).toEqual(['pass', 'pass', 'inconclusive', 'inconclusive']);
    const failing = judgeAnalysis(spec, { canary: window(100, 50, 20, 80) });
    expect(failing.outcome).toBe('fail');
    expect(failing.counts.stable).toBeNull();
  });

  it('does not fail a canary that is faster than stable (the test is one-sided)', () => {
    const verdict = judgeAnalysis(spec, { canary: window(400, 0, 10, 40, true), stable: window(400, 0, 20, 80, true) });
    expect(verdict.outcome).toBe('pass');
  });
});
