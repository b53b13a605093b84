import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('reconnect backoff', () => {
  const policy = { initialMs: 100, maxMs: 5_000 };

  it('doubles from the initial delay, between half and all of it (jitter), and stops at the cap', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy, () => 0.999_999))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(6, policy, () => 0.999_999)).toBe(5_000);
    expect(backoffDelay(1_000, policy, () => 0.5)).toBe(3_750);
  });
});
