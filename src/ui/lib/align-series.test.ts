import { describe, expect, it } from 'vitest';
import { alignSeries } from './align-series.js';

describe('alignSeries', () => {
  it('merges the lines on one time axis in seconds, with gaps as null, scaled', () => {
    const p50 = [{ time: 10_000, value: 0.01 }, { time: 20_000, value: 0.02 }];
    const p99 = [{ time: 20_000, value: 0.5 }, { time: 30_000, value: 0.7 }];
    expect(alignSeries([p50, p99], 1000)).toEqual([
      [10, 20, 30],
      [10, 20, null],
      [null, 500, 700],
    ]);
  });

  it('gives empty arrays without points', () => {
    expect(alignSeries([[], []])).toEqual([[], [], []]);
  });
});
