import { describe, expect, it } from 'vitest';
import { age, latency, percent, perSecond, shortDigest } from './format.js';

describe('dashboard formatting', () => {
  const now = Date.parse('2025-01-02T03:04:05Z');
  it('shows ages in the largest whole unit', () => {
    expect(age('2025-01-02T03:04:00Z', now)).toBe('5s');
    expect(age('2025-01-02T02:54:05Z', now)).toBe('10m');
    expect(age('2025-01-01T03:04:05Z', now)).toBe('24h');
    expect(age('2024-12-25T03:04:05Z', now)).toBe('8d');
    expect(age(null, now)).toBe('-');
    expect(age('2025-01-02T03:05:00Z', now)).toBe('0s');
  });

  it('shortens digests and names source releases', () => {
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab');
    expect(shortDigest(null)).toBe('source');
  });

  it('formats rates, ratios and latencies', () => {
    expect(perSecond(0.5)).toBe('0.5/s');
    expect(perSecond(12.34)).toBe('12.3/s');
    expect(perSecond(null)).toBe('-');
    expect(percent(0.0123)).toBe('1.2%');
    expect(percent(0.001)).toBe('0.1%');
    expect(percent(0)).toBe('0%');
    expect(latency(0.0042)).toBe('4.2ms');
    expect(latency(0.25)).toBe('250ms');
    expect(latency(1.5)).toBe('1.5s');
  });
});
