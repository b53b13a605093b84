import { describe, expect, it } from 'vitest';
import { emptyHistogram, histogramOf, percentileFromBuckets } from './histogram.js';

describe('percentileFromBuckets', () => {
  const bounds = [10, 20, 50, 100];

  it('interpolates inside the bucket that holds the rank', () => {
    // 100 requests: 50 in (0,10], 30 in (10,20], 15 in (20,50], 5 in (50,100].
    const histogram = { bounds, counts: [50, 30, 15, 5, 0] };
    expect(percentileFromBuckets(histogram, 0.5)).toBe(10);
    expect(percentileFromBuckets(histogram, 0.65)).toBe(15);
    expect(percentileFromBuckets(histogram, 0.95)).toBe(50);
    expect(percentileFromBuckets(histogram, 0.99)).toBe(90);
    expect(percentileFromBuckets(histogram, 0.25)).toBe(5);
  });

  it('reports a rank above every bound as the last bound', () => {
    expect(percentileFromBuckets({ bounds, counts: [1, 0, 0, 0, 9] }, 0.99)).toBe(100);
  });

  it('skips empty buckets and says nothing for an empty histogram', () => {
    expect(percentileFromBuckets({ bounds, counts: [0, 0, 4, 0, 0] }, 0.5)).toBe(35);
    expect(percentileFromBuckets(emptyHistogram(bounds), 0.5)).toBeUndefined();
  });

  it('counts samples into the first bucket whose bound holds them', () => {
    expect(histogramOf([1, 10, 11, 20, 21, 100, 101], bounds).counts).toEqual([2, 2, 1, 1, 1]);
  });
});
