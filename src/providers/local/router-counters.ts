/**
 * Reads one service's per-release counters out of its router's Prometheus text: requests, errors
 * (5xx answers, and failed attempts the router retried on another instance: a failure it did not
 * retry is already a 502/504 answer) and the latency histogram, summed over the service's routes.
 * Requests are the attempts that ended (answered, or failed and retried): an attempt still in
 * flight when the snapshot is taken has no outcome yet, and counting it would dilute the error rate.
 * Analyses judge the difference of two such snapshots.
 */
import { parsePrometheusText } from '../../monitoring/prom-text.js';
import { addCounters } from '../../reconcile/analysis-window.js';
import type { CountersSnapshot, ReleaseCounters } from '../../reconcile/deployment.js';

interface SeriesCounts {
  requests: number;
  errors: number;
  /** Cumulative count per upper bound in seconds (+Inf included). */
  readonly cumulative: Map<number, number>;
}

export function serviceCounters(text: string, environment: string, service: string, at: number): CountersSnapshot {
  // Per route and release: the histogram's cumulative buckets must be undone per series.
  const series = new Map<string, { release: string; counts: SeriesCounts }>();
  const entry = (labels: Readonly<Record<string, string>>): SeriesCounts | undefined => {
    if (labels['service'] !== service || (labels['environment'] !== undefined && labels['environment'] !== environment)) return undefined;
    const release = labels['release'];
    if (!release) return undefined;
    const key = `${labels['route'] ?? ''}\u0000${release}`;
    let found = series.get(key);
    if (!found) {
      found = { release, counts: { requests: 0, errors: 0, cumulative: new Map() } };
      series.set(key, found);
    }
    return found.counts;
  };
  for (const family of parsePrometheusText(text)) {
    for (const sample of family.samples) {
      const counts = entry(sample.labels);
      if (!counts) continue;
      if (sample.name === 'skiff_router_responses_total') {
        counts.requests += sample.value;
        if (sample.labels['code'] === '5xx') counts.errors += sample.value;
      } else if (sample.name === 'skiff_router_retries_total') {
        counts.requests += sample.value;
        counts.errors += sample.value;
      }
      else if (sample.name === 'skiff_router_request_duration_seconds_bucket') {
        const le = sample.labels['le'] === '+Inf' ? Infinity : Number(sample.labels['le']);
        counts.cumulative.set(le, (counts.cumulative.get(le) ?? 0) + sample.value);
      }
    }
  }
  const releases: Record<string, ReleaseCounters> = {};
  for (const { release, counts } of series.values()) {
    releases[release] = addCounters(releases[release], toCounters(counts));
  }
  return { at, releases };
}

function toCounters(counts: SeriesCounts): ReleaseCounters {
  const bounds = [...counts.cumulative.keys()].sort((a, b) => a - b);
  const finite = bounds.filter((bound) => Number.isFinite(bound));
  let below = 0;
  const buckets = bounds.map((bound) => {
    const cumulative = counts.cumulative.get(bound) ?? 0;
    const count = Math.max(0, cumulative - below);
    below = cumulative;
    return count;
  });
  // Without a +Inf bucket the overflow bucket is empty.
  if (bounds.length === finite.length) buckets.push(0);
  return { requests: counts.requests, errors: counts.errors, boundsMs: finite.map((seconds) => seconds * 1000), buckets };
}
