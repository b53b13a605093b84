import { describe, expect, it } from 'vitest';
import { cpuQuantity, memoryQuantity, wholeSeconds } from './quantities.js';

describe('quantities in the form the API server stores them', () => {
  it.each([
    [128 * 1024 * 1024, '128Mi'],
    [1024 * 1024 * 1024, '1Gi'],
    [1536 * 1024, '1536Ki'],
    [500_000_000, '500M'],
    [1_000_001, '1000001'],
  ])('memory %d bytes → %s', (bytes, quantity) => expect(memoryQuantity(bytes)).toBe(quantity));

  it.each([
    [1, '1'],
    [2, '2'],
    [0.5, '500m'],
    [0.25, '250m'],
    [1.5, '1500m'],
    [0.0001, '1m'],
  ])('cpu %d cores → %s', (cores, quantity) => expect(cpuQuantity(cores)).toBe(quantity));

  it('rounds probe timings up to whole seconds, at least one', () => {
    expect([wholeSeconds(200), wholeSeconds(1000), wholeSeconds(1500), wholeSeconds(0, 0)]).toEqual([1, 1, 2, 0]);
  });
});
