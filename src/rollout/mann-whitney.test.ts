import { describe, expect, it } from 'vitest';
import { mannWhitneyGreater, mannWhitneyGreaterGrouped, normalSurvival } from './mann-whitney.js';

describe('Mann-Whitney U (one-sided: first sample greater)', () => {
  it('matches a hand computation without ties', () => {
    // Ranks of the merged sample 11 12 16 17 19 20 22 24 29: A holds 3, 5, 7, 8, 9 → R = 32, U = 32 − 15 = 17.
    // μ = 5·4/2 = 10, σ² = 5·4·10/12, z = (17 − 10 − 0.5)/σ = 1.592, p = 0.0557 (scipy agrees: 0.055673).
    const result = mannWhitneyGreater([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    expect(result?.u).toBe(17);
    expect(result?.z).toBeCloseTo(1.5922, 4);
    expect(result?.pValue).toBeCloseTo(0.055673, 5);
  });

  it('averages the ranks of ties and corrects the variance for them', () => {
    // scipy.stats.mannwhitneyu(a, b, alternative='greater', method='asymptotic') → U = 25.5, p = 0.101587.
    const result = mannWhitneyGreater([1, 2, 2, 3, 3, 3, 4], [1, 1, 2, 2, 3]);
    expect(result?.u).toBe(25.5);
    expect(result?.pValue).toBeCloseTo(0.101587, 5);
  });

  it('treats histogram buckets as groups of ties', () => {
    // The same as samples 0..4 repeated by the counts; scipy: U = 1137.5, p = 6.9516e-7, and the reverse p = 0.99999934.
    const canary = [0, 5, 10, 20, 5];
    const stable = [5, 15, 10, 5, 0];
    const slower = mannWhitneyGreaterGrouped(canary, stable);
    expect(slower?.u).toBe(1137.5);
    expect(slower?.pValue).toBeCloseTo(6.9516e-7, 9);
    expect(mannWhitneyGreaterGrouped(stable, canary)?.pValue).toBeCloseTo(0.99999934, 6);
  });

  it('finds no evidence in identical samples, and none at all without data', () => {
    expect(mannWhitneyGreater([5, 5, 5], [5, 5])?.pValue).toBe(1);
    expect(mannWhitneyGreater([], [1, 2])).toBeUndefined();
    expect(mannWhitneyGreaterGrouped([1, 2], [1, 2, 3])).toBeUndefined();
  });

  it('computes normal tail probabilities', () => {
    expect(normalSurvival(0)).toBeCloseTo(0.5, 7);
    expect(normalSurvival(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalSurvival(-1.644854)).toBeCloseTo(0.95, 6);
  });
});
