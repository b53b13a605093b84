import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';
import { RetryBudget } from './retry-budget.js';
import { policyDefaults, routePolicy } from './route-policy.js';
import { route } from './test-fixtures.js';

describe('RateLimiter', () => {
  it('allows a burst, then one request per refilled token, per key', () => {
    const limiter = new RateLimiter(2, 3);
    expect([0, 0, 0].map(() => limiter.take('a', 1_000))).toEqual([0, 0, 0]);
    expect(limiter.take('a', 1_000)).toBe(1);
    expect(limiter.take('b', 1_000)).toBe(0);
    // 2 tokens per second: after 500 ms one more request passes, the next does not.
    expect(limiter.take('a', 1_500)).toBe(0);
    expect(limiter.take('a', 1_500)).toBe(1);
    // The bucket never holds more than the burst.
    expect([0, 0, 0, 0].map(() => limiter.take('a', 100_000))).toEqual([0, 0, 0, 1]);
  });
});

describe('RetryBudget', () => {
  it('allows retries up to the share of requests plus the floor, over a sliding 10 s window', () => {
    const budget = new RetryBudget(10, 0);
    for (let i = 0; i < 50; i++) budget.recordRequest(100);
    expect(Array.from({ length: 7 }, () => budget.tryRetry(100))).toEqual([true, true, true, true, true, false, false]);
    // Ten seconds later the window has moved past those requests and retries.
    for (let i = 0; i < 20; i++) budget.recordRequest(110);
    expect([budget.tryRetry(110), budget.tryRetry(110), budget.tryRetry(110)]).toEqual([true, true, false]);
  });

  it('has a floor of retries per second when traffic is low', () => {
    const budget = new RetryBudget(0, 0.3);
    expect([budget.tryRetry(5), budget.tryRetry(5), budget.tryRetry(5), budget.tryRetry(5)]).toEqual([true, true, true, false]);
  });
});

describe('routePolicy', () => {
  it('fills in defaults and keeps what the route sets', () => {
    expect(routePolicy(route({ backends: [] }))).toMatchObject({
      connectMs: policyDefaults.connectMs,
      firstByteMs: 60_000,
      totalMs: 0,
      holdMs: 10_000,
      maxPending: 1_000,
      rateLimit: undefined,
    });
    const policy = routePolicy(
      route({ backends: [], timeouts: { totalMs: 5 }, hold: { timeoutMs: 0 }, rateLimit: { requestsPerSecond: 4, header: 'X-Key' } }),
    );
    expect(policy).toMatchObject({ totalMs: 5, holdMs: 0, idleMs: 60_000, rateLimit: { perSecond: 4, burst: 4, header: 'x-key' } });
  });
});
