import { describe, expect, it } from 'vitest';
import { addCounters, analysisMeasurements, releaseWindow } from './analysis-window.js';
import type { CountersSnapshot, ReleaseCounters } from './deployment.js';

const bounds = [10, 100];
const counters = (requests: number, errors: number, buckets: number[]): ReleaseCounters => ({ requests, errors, boundsMs: bounds, buckets });
const snapshot = (at: number, releases: Record<string, ReleaseCounters>): CountersSnapshot => ({ at, releases });

describe('releaseWindow', () => {
  it('is what each release served between two snapshots', () => {
    const before = snapshot(0, { v1: counters(100, 1, [90, 10, 0]), v2: counters(5, 0, [5, 0, 0]) });
    const after = snapshot(1000, { v1: counters(300, 3, [270, 29, 1]), v2: counters(55, 10, [20, 30, 5]) });
    expect(releaseWindow(before, after, 'v1')).toEqual({ requests: 200, errors: 2, latency: { bounds, counts: [180, 19, 1] } });
    expect(analysisMeasurements(before, after, { canary: 'v2', stable: 'v1' }).canary).toEqual({ requests: 50, errors: 10, latency: { bounds, counts: [15, 30, 5] } });
  });

  it('counts from zero when the router forgot a release (its counters went down), and is empty for an unseen release', () => {
    const before = snapshot(0, { v2: counters(500, 5, [500, 0, 0]) });
    const after = snapshot(1000, { v2: counters(40, 1, [30, 10, 0]) });
    expect(releaseWindow(before, after, 'v2')).toMatchObject({ requests: 40, errors: 1 });
    expect(releaseWindow(before, after, 'v9')).toMatchObject({ requests: 0, errors: 0 });
  });

  it('sums the routes of a release', () => {
    expect(addCounters(counters(1, 0, [1, 0, 0]), counters(2, 1, [0, 1, 1]))).toEqual(counters(3, 1, [1, 1, 1]));
    expect(addCounters(undefined, counters(2, 1, [0, 1, 1]))).toEqual(counters(2, 1, [0, 1, 1]));
  });
});
