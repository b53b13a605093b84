import { describe, expect, it } from 'vitest';
import { errorRateEvidence } from './error-evidence.js';

describe('errorRateEvidence', () => {
  it.each([
    // requests, errors, limit, conclusive: why
    [3, 3, 0.01, true, 'three failures in three requests against a 1% limit'],
    [10, 4, 0.01, true, '40% of ten requests'],
    [10, 3, 0.01, false, '30% of ten requests is not yet conclusive'],
    [2, 2, 0.01, false, 'two requests are not enough'],
    [100, 2, 0.01, false, '2% of a hundred is within noise of 1%'],
    [10_000, 200, 0.01, true, '2% of ten thousand is not'],
    [10_000, 0, 0.01, false, 'no error never fails'],
    [1, 1, 0, true, 'a limit of 0%: one error cannot be passed'],
    [50, 50, 1, false, 'a limit of 100% cannot be exceeded'],
  ])('%i requests, %i errors, limit %d: conclusive %s (%s)', (requests, errors, limit, conclusive) => {
    expect(errorRateEvidence(requests, errors, limit, 0.001).conclusive).toBe(conclusive);
  });

  it('stays conclusive, with a finite log, when the ratio itself overflows', () => {
    const evidence = errorRateEvidence(100_000, 30_000, 0.01, 0.001);
    expect(evidence).toMatchObject({ conclusive: true, cannotPass: false, bayesFactor: Infinity });
    expect(errorRateEvidence(10, 1, 0, 0.001)).toMatchObject({ conclusive: true, cannotPass: true });
  });

  it('weighs more errors as more evidence', () => {
    const factors = [0, 1, 2, 3, 4].map((errors) => errorRateEvidence(20, errors, 0.01, 0.001).bayesFactor);
    expect(factors).toEqual([...factors].sort((a, b) => a - b));
  });
});
