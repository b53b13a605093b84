import { describe, expect, it } from 'vitest';
import { renewalTime, retryDelayMs } from './renewal.js';

const day = 24 * 60 * 60 * 1000;

describe('renewal time', () => {
  it.each([
    ['90-day certificate: 30 days before expiry (= 2/3)', 90 * day, 60 * day],
    ['1-year certificate: 30 days before expiry', 365 * day, 335 * day],
    ['6-day certificate: at 2/3 of its lifetime', 6 * day, 4 * day],
    ['5-minute test certificate: at 2/3', 300_000, 200_000],
  ])('%s', (_name, lifetime, renewAfter) => {
    const start = Date.UTC(2026, 0, 1);
    expect(renewalTime(start, start + lifetime)).toBe(start + renewAfter);
  });
});

describe('retry backoff', () => {
  it('doubles from a minute up to 6 hours', () => {
    expect([1, 2, 3, 4, 9, 10, 100].map((attempts) => retryDelayMs(attempts) / 60_000)).toEqual([1, 2, 4, 8, 256, 360, 360]);
  });
});
