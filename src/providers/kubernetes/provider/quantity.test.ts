import { describe, expect, it } from 'vitest';
import { parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['123456789n', 0.123456789],
    ['250m', 0.25],
    ['2', 2],
    ['1500u', 0.0015],
    ['64Mi', 64 * 1024 * 1024],
    ['1234Ki', 1234 * 1024],
    ['1G', 1e9],
    ['1e3', 1000],
    ['0.5', 0.5],
  ])('%s is %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 12);
  });

  it.each(['', 'm', '12x', '1 Gi', 'abc'])('%j is not a quantity', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});
