import { describe, expect, it } from 'vitest';
import { defaultBackoffPolicy, restartDelayMs } from './restart-backoff.js';

describe('restartDelayMs', () => {
  const noJitter = () => 0.5;
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
