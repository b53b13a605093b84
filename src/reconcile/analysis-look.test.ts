import { describe, expect, it } from 'vitest';
import { analysisSchema } from '../spec/schema.js';
import { lookAtWindow } from './analysis-look.js';
import type { CountersSnapshot, ReleaseCounters } from './deployment.js';

const bounds = [10, 100];
const counters = (requests: number, errors: number, buckets: number[]): ReleaseCounters => ({ requests, errors, boundsMs: bounds, buckets });
const snapshot = (at: number, releases: Record<string, ReleaseCounters>): CountersSnapshot => ({ at, releases });

describe('lookAtWindow', () => {
  const spec = analysisSchema.parse({ window: '10s', minRequests: 50 });
  const releases = { canary: 'v2', stable: 'v1' };
  const baseline = snapshot(1_000, { v1: counters(0, 0, [0, 0, 0]), v2: counters(0, 0, [0, 0, 0]) });
  const window = { step: 1, name: 'default', baseline };

  it('fails a canary on an interim look as soon as its errors are conclusive, and stops looking', () => {
    const look = lookAtWindow(spec, window, snapshot(3_000, { v1: counters(180, 0, [180, 0, 0]), v2: counters(20, 8, [20, 0, 0]) }), releases);
    expect(look).toMatchObject({ elapsedMs: 2000, record: true, nextInMs: null, verdict: { outcome: 'fail' } });
  });

  it('keeps an interim look that finds nothing to itself, and looks again a second later', () => {
    const look = lookAtWindow(spec, window, snapshot(3_000, { v1: counters(180, 0, [180, 0, 0]), v2: counters(20, 0, [20, 0, 0]) }), releases);
    expect(look).toMatchObject({ record: false, nextInMs: 1000, verdict: { outcome: 'inconclusive' } });
  });

  it('records an inconclusive verdict from the window end on, and judges it again every second', () => {
    const look = lookAtWindow(spec, window, snapshot(11_000, { v1: counters(180, 0, [180, 0, 0]), v2: counters(20, 0, [20, 0, 0]) }), releases);
    expect(look).toMatchObject({ record: true, nextInMs: 1000, verdict: { outcome: 'inconclusive', reason: 'too few requests: 20 of 50' } });
  });

  it('with failFast: false, looks only at the window end', () => {
    const look = lookAtWindow({ ...spec, failFast: false }, window, snapshot(3_000, { v1: counters(180, 0, [180, 0, 0]), v2: counters(20, 20, [20, 0, 0]) }), releases);
    expect(look).toMatchObject({ record: false, nextInMs: 8000 });
  });
});
