/**
 * What the router measured for each release between two snapshots of its counters: the window
 * an analysis judges. Pure.
 */
import type { AnalysisMeasurements, ReleaseWindow } from '../rollout/index.js';
import { emptyHistogram } from '../rollout/index.js';
import type { CountersSnapshot, ReleaseCounters } from './deployment.js';

const noCounters: ReleaseCounters = { requests: 0, errors: 0, boundsMs: [], buckets: [] };

/**
 * The counters of `release` from `baseline` to `current`. The router forgets a release's counters
 * when it leaves the table (no ready instance for a while): a counter that went down started again
 * from zero, so the current value is the whole window.
 */
export function releaseWindow(baseline: CountersSnapshot, current: CountersSnapshot, release: string): ReleaseWindow {
  const now = current.releases[release] ?? noCounters;
  const before = baseline.releases[release] ?? noCounters;
  const reset = now.requests < before.requests || now.buckets.some((count, index) => count < (before.buckets[index] ?? 0));
  const from = reset || !sameBounds(before, now) ? noCounters : before;
  if (now.boundsMs.length === 0) return { requests: 0, errors: 0, latency: emptyHistogram() };
  return {
    requests: now.requests - from.requests,
    errors: Math.max(0, now.errors - from.errors),
    latency: { bounds: now.boundsMs, counts: now.buckets.map((count, index) => count - (from.buckets[index] ?? 0)) },
  };
}

function sameBounds(a: ReleaseCounters, b: ReleaseCounters): boolean {
  return a.boundsMs.length === b.boundsMs.length && a.boundsMs.every((bound, index) => bound === b.boundsMs[index]);
}

export function analysisMeasurements(
  baseline: CountersSnapshot,
  current: CountersSnapshot,
  releases: { readonly canary: string; readonly stable: string },
): AnalysisMeasurements {
  return { canary: releaseWindow(baseline, current, releases.canary), stable: releaseWindow(baseline, current, releases.stable) };
}

/** Sums counters of the same release (one per route of the service). */
export function addCounters(a: ReleaseCounters | undefined, b: ReleaseCounters): ReleaseCounters {
  if (!a || a.boundsMs.length === 0) return b;
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    boundsMs: a.boundsMs,
    buckets: a.buckets.map((count, index) => count + (b.buckets[index] ?? 0)),
  };
}
