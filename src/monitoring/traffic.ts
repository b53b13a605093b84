/**
 * Per-service traffic totals read from a router's exposition, and what two of them say about the
 * time between: requests per second, error rate, latency quantiles.
 */
import { parsePrometheusText } from './prom-text.js';

export interface TrafficTotals {
  readonly requests: number;
  /** 5xx answers. */
  readonly errors: number;
  /** Upper bounds in seconds, ascending, ending with +Inf. */
  readonly bounds: readonly number[];
  /** Cumulative counts per bound. */
  readonly buckets: readonly number[];
}

interface MutableTotals {
  requests: number;
  errors: number;
  buckets: Map<number, number>;
}

/** Totals per `service` (and per `service release` under the key `service@release`). */
export function trafficByService(text: string): Map<string, TrafficTotals> {
  const totals = new Map<string, MutableTotals>();
  const add = (labels: Readonly<Record<string, string>>, update: (t: MutableTotals) => void): void => {
    const service = labels['service'];
    if (!service) return;
    const keys = [service, ...(labels['release'] ? [`${service}@${labels['release']}`] : [])];
    for (const key of keys) {
      let entry = totals.get(key);
      if (!entry) {
        entry = { requests: 0, errors: 0, buckets: new Map() };
        totals.set(key, entry);
      }
      update(entry);
    }
  };
  for (const family of parsePrometheusText(text)) {
    for (const sample of family.samples) {
      if (sample.name === 'skiff_router_requests_total') add(sample.labels, (t) => (t.requests += sample.value));
      else if (sample.name === 'skiff_router_responses_total' && sample.labels['code'] === '5xx') add(sample.labels, (t) => (t.errors += sample.value));
      else if (sample.name === 'skiff_router_request_duration_seconds_bucket') {
        const le = sample.labels['le'] === '+Inf' ? Infinity : Number(sample.labels['le']);
        add(sample.labels, (t) => t.buckets.set(le, (t.buckets.get(le) ?? 0) + sample.value));
      }
    }
  }
  const result = new Map<string, TrafficTotals>();
  for (const [key, entry] of totals) {
    const bounds = [...entry.buckets.keys()].sort((a, b) => a - b);
    result.set(key, { requests: entry.requests, errors: entry.errors, bounds, buckets: bounds.map((b) => entry.buckets.get(b) ?? 0) });
  }
  return result;
}

export interface TrafficDelta {
  readonly seconds: number;
  readonly requests: number;
  readonly errors: number;
  readonly bounds: readonly number[];
  readonly buckets: readonly number[];
}

/** What happened between two totals; a counter that went down (router restart) counts from zero. */
export function delta(older: TrafficTotals | undefined, newer: TrafficTotals, seconds: number): TrafficDelta {
  const reset = older === undefined || newer.requests < older.requests;
  const base = reset ? undefined : older;
  return {
    seconds,
    requests: newer.requests - (base?.requests ?? 0),
    errors: Math.max(0, newer.errors - (base?.errors ?? 0)),
    bounds: newer.bounds,
    buckets: newer.buckets.map((count, i) => {
      const before = base && base.bounds[i] === newer.bounds[i] ? (base.buckets[i] ?? 0) : 0;
      return Math.max(0, count - before);
    }),
  };
}

export function errorRate(d: TrafficDelta): number | null {
  return d.requests > 0 ? d.errors / d.requests : null;
}

export function requestRate(d: TrafficDelta): number | null {
  return d.seconds > 0 ? d.requests / d.seconds : null;
}

/** The q-quantile in seconds, interpolated within its bucket as Prometheus' histogram_quantile does. */
export function quantile(d: TrafficDelta, q: number): number | null {
  const total = d.buckets.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < d.buckets.length; i++) {
    const count = d.buckets[i] as number;
    if (count < rank) continue;
    const upper = d.bounds[i] as number;
    const lower = i === 0 ? 0 : (d.bounds[i - 1] as number);
    if (upper === Infinity) return lower;
    const below = i === 0 ? 0 : (d.buckets[i - 1] as number);
    const inBucket = count - below;
    return inBucket <= 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
  }
  return d.bounds.at(-2) ?? null;
}
