import { describe, expect, it } from 'vitest';
import { histogramOf } from './histogram.js';
import { hypergeometricAtLeast, slowerTail } from './tail-test.js';

describe('hypergeometricAtLeast', () => {
  it.each([
    // population, marked, drawn, k, P(X >= k)
    [10, 3, 4, 2, 70 / 210],
    [10, 3, 4, 0, 1],
    [10, 3, 4, 4, 0],
    [10, 3, 4, 3, 7 / 210],
    [100, 10, 10, 1, 1 - 0.33047621108685],
    [5, 5, 2, 2, 1],
  ])('population %i, %i marked, %i drawn: P(X >= %i)', (population, marked, drawn, k, expected) => {
    expect(hypergeometricAtLeast(k, { population, marked, drawn })).toBeCloseTo(expected, 8);
  });
});

describe('slowerTail', () => {
  const spread = (count: number, low: number, high: number): number[] => Array.from({ length: count }, (_, i) => low + ((high - low) * i) / count);

  it('finds no heavier tail when the canary is the same as the stable release', () => {
    const result = slowerTail(histogramOf(spread(100, 10, 200)), histogramOf(spread(900, 10, 200)), 0.99);
    expect(result?.pValue).toBeGreaterThan(0.1);
  });

  it("counts the canary's requests beyond the pooled quantile's bucket and finds a slow tail significant", () => {
    const canary = histogramOf([...spread(90, 10, 60), ...spread(10, 400, 600)]);
    const result = slowerTail(canary, histogramOf(spread(900, 10, 60)), 0.99);
    expect(result).toMatchObject({ canaryAbove: 10, pooledAbove: 10, canaryRequests: 100, pooledRequests: 1000 });
    expect(result?.pValue).toBeLessThan(1e-9);
  });

  it('cannot test histograms with different buckets or no requests', () => {
    expect(slowerTail(histogramOf([5], [1, 10]), histogramOf([5]), 0.99)).toBeUndefined();
    expect(slowerTail(histogramOf([]), histogramOf([5]), 0.99)).toBeUndefined();
  });
});
