/**
 * The data plane's metrics: one set of plain counters per (route, release), found once when a
 * table is compiled, so recording a request is a few additions and no allocation. Workers hand
 * their counters over as a snapshot; the primary sums them and renders Prometheus text.
 */
import type { SpanCounts } from './tracing/span-queue.js';

/** Upper bounds of the latency histogram, in seconds. */
export const latencyBuckets: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const bucketsMs = latencyBuckets.map((seconds) => seconds * 1000);

export interface SeriesLabels {
  readonly route: string;
  readonly service: string;
  readonly environment: string;
  /** Empty for answers the router gave before choosing an instance (no instance, limits). */
  readonly release: string;
}

/** Counters of one label set. Index of `responses`: status class 1xx..5xx → 0..4. */
export class MetricSeries {
  readonly labels: SeriesLabels;
  requests = 0;
  readonly responses = [0, 0, 0, 0, 0];
  connectFailures = 0;
  timeouts = 0;
  retries = 0;
  inFlight = 0;
  requestBytes = 0;
  responseBytes = 0;
  /** Non-cumulative counts per bucket, plus one for +Inf. */
  readonly buckets: number[] = new Array<number>(latencyBuckets.length + 1).fill(0);
  durationSumMs = 0;

  constructor(labels: SeriesLabels) {
    this.labels = labels;
  }

  respond(status: number): void {
    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) (this.responses[cls - 1] as number)++;
  }

  observe(durationMs: number): void {
    let i = 0;
    while (i < bucketsMs.length && durationMs > (bucketsMs[i] as number)) i++;
    (this.buckets[i] as number)++;
    this.durationSumMs += durationMs;
  }
}

export interface SeriesSnapshot {
  readonly labels: SeriesLabels;
  /** requests, 1xx..5xx, connectFailures, timeouts, retries, inFlight, requestBytes, responseBytes, sumMs, buckets… */
  readonly values: readonly number[];
}

/** Upper bounds of the wake histogram (a held request's wait for a service at zero), in seconds. */
export const wakeBuckets: readonly number[] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const wakeBucketsMs = wakeBuckets.map((seconds) => seconds * 1000);

export interface WakeSnapshot {
  readonly service: string;
  readonly environment: string;
  /** Non-cumulative counts per bucket, plus one for +Inf. */
  readonly buckets: readonly number[];
  readonly sumMs: number;
}

export interface MetricsSnapshot {
  readonly series: readonly SeriesSnapshot[];
  readonly unmatched: number;
  readonly held: number;
  readonly rejected: Readonly<Record<string, number>>;
  /** Absent from a worker of an older router. */
  readonly wakes?: readonly WakeSnapshot[];
  /** Spans exported and dropped (queue full, export failed); absent from a worker of an older router. */
  readonly traces?: SpanCounts;
}

const enum Slot {
  Requests = 0,
  Responses = 1,
  ConnectFailures = 6,
  Timeouts = 7,
  Retries = 8,
  InFlight = 9,
  RequestBytes = 10,
  ResponseBytes = 11,
  SumMs = 12,
  Buckets = 13,
}

function seriesKey(labels: SeriesLabels): string {
  return `${labels.route}\u0000${labels.release}`;
}

export class RouterMetrics {
  private series = new Map<string, MetricSeries>();
  /** Requests no route matched. */
  unmatched = 0;
  /** Requests waiting now for a ready instance. */
  held = 0;
  /** Requests refused before routing, by reason (bad request line, headers too large, …). */
  readonly rejected: Record<string, number> = {};
  /** The router's spans, over every exporter it had. */
  readonly traces: SpanCounts = { spansExported: 0, spansDropped: 0 };
  private readonly wakes = new Map<string, { service: string; environment: string; buckets: number[]; sumMs: number }>();

  /** A request held while its service had no instance was sent on after `waitedMs`. */
  observeWake(environment: string, service: string, waitedMs: number): void {
    const key = `${environment}\u0000${service}`;
    let wake = this.wakes.get(key);
    if (wake === undefined) {
      wake = { service, environment, buckets: new Array<number>(wakeBuckets.length + 1).fill(0), sumMs: 0 };
      this.wakes.set(key, wake);
    }
    let i = 0;
    while (i < wakeBucketsMs.length && waitedMs > (wakeBucketsMs[i] as number)) i++;
    (wake.buckets[i] as number)++;
    wake.sumMs += waitedMs;
  }

  /** The series of `labels`, kept across table updates while the table still names it. */
  get(labels: SeriesLabels): MetricSeries {
    const key = seriesKey(labels);
    let series = this.series.get(key);
    if (series === undefined) {
      series = new MetricSeries(labels);
      this.series.set(key, series);
    }
    return series;
  }

  /** Forgets series of routes and releases that left the table, unless requests are still in flight. */
  retain(keep: readonly SeriesLabels[]): void {
    const wanted = new Set(keep.map(seriesKey));
    for (const [key, series] of this.series) {
      if (!wanted.has(key) && series.inFlight === 0) this.series.delete(key);
    }
  }

  reject(reason: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }

  snapshot(): MetricsSnapshot {
    const series: SeriesSnapshot[] = [];
    for (const s of this.series.values()) {
      series.push({
        labels: s.labels,
        values: [
          s.requests,
          ...s.responses,
          s.connectFailures,
          s.timeouts,
          s.retries,
          s.inFlight,
          s.requestBytes,
          s.responseBytes,
          s.durationSumMs,
          ...s.buckets,
        ],
      });
    }
    const wakes = [...this.wakes.values()].map((wake) => ({ ...wake, buckets: [...wake.buckets] }));
    return { series, unmatched: this.unmatched, held: this.held, rejected: { ...this.rejected }, wakes, traces: { ...this.traces } };
  }
}

function mergeWakes(snapshots: readonly MetricsSnapshot[]): WakeSnapshot[] {
  const merged = new Map<string, { service: string; environment: string; buckets: number[]; sumMs: number }>();
  for (const snapshot of snapshots) {
    for (const wake of snapshot.wakes ?? []) {
      const key = `${wake.environment}\u0000${wake.service}`;
      const into = merged.get(key);
      if (into === undefined) merged.set(key, { ...wake, buckets: [...wake.buckets] });
      else {
        wake.buckets.forEach((count, i) => (into.buckets[i] = (into.buckets[i] ?? 0) + count));
        into.sumMs += wake.sumMs;
      }
    }
  }
  return [...merged.values()];
}

/** Sums snapshots (one per worker) label set by label set. */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const merged = new Map<string, { labels: SeriesLabels; values: number[] }>();
  let unmatched = 0;
  let held = 0;
  const rejected: Record<string, number> = {};
  const traces: SpanCounts = { spansExported: 0, spansDropped: 0 };
  for (const snapshot of snapshots) {
    unmatched += snapshot.unmatched;
    traces.spansExported += snapshot.traces?.spansExported ?? 0;
    traces.spansDropped += snapshot.traces?.spansDropped ?? 0;
    held += snapshot.held;
    for (const [reason, count] of Object.entries(snapshot.rejected)) rejected[reason] = (rejected[reason] ?? 0) + count;
    for (const s of snapshot.series) {
      const key = seriesKey(s.labels);
      const into = merged.get(key);
      if (into === undefined) {
        merged.set(key, { labels: s.labels, values: [...s.values] });
      } else {
        for (let i = 0; i < s.values.length; i++) into.values[i] = (into.values[i] ?? 0) + (s.values[i] as number);
      }
    }
  }
  return { series: [...merged.values()], unmatched, held, rejected, wakes: mergeWakes(snapshots), traces };
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: SeriesLabels, extra = ''): string {
  const base =
    `route="${escapeLabel(labels.route)}",service="${escapeLabel(labels.service)}",` +
    `environment="${escapeLabel(labels.environment)}",release="${escapeLabel(labels.release)}"`;
  return `{${base}${extra}}`;
}

const statusClasses = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** Prometheus text exposition format 0.0.4. */
export function renderPrometheus(snapshot: MetricsSnapshot): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string, slot: number, scale = 1): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of snapshot.series) out.push(`${name}${labelText(s.labels)} ${(s.values[slot] as number) * scale}`);
  };
  family('skiff_router_requests_total', 'counter', 'Requests matched to a route.', Slot.Requests);

  out.push('# HELP skiff_router_responses_total Answers sent to clients, by status class.', '# TYPE skiff_router_responses_total counter');
  for (const s of snapshot.series) {
    statusClasses.forEach((cls, i) => {
      out.push(`skiff_router_responses_total${labelText(s.labels, `,code="${cls}"`)} ${s.values[Slot.Responses + i] as number}`);
    });
  }
  family('skiff_router_connect_failures_total', 'counter', 'Upstream attempts that failed before any answer byte.', Slot.ConnectFailures);
  family('skiff_router_upstream_timeouts_total', 'counter', 'Upstream attempts that ran out of time.', Slot.Timeouts);
  family('skiff_router_retries_total', 'counter', 'Requests sent again to another instance.', Slot.Retries);
  family('skiff_router_in_flight_requests', 'gauge', 'Requests being proxied now.', Slot.InFlight);
  family('skiff_router_request_bytes_total', 'counter', 'Request body bytes received from clients (declared length).', Slot.RequestBytes);
  family('skiff_router_response_bytes_total', 'counter', 'Answer body bytes sent to clients from instances.', Slot.ResponseBytes);

  const histogram = 'skiff_router_request_duration_seconds';
  out.push(`# HELP ${histogram} Time from the request's arrival to the end of its answer.`, `# TYPE ${histogram} histogram`);
  for (const s of snapshot.series) {
    let cumulative = 0;
    for (let i = 0; i <= latencyBuckets.length; i++) {
      cumulative += s.values[Slot.Buckets + i] as number;
      const le = i < latencyBuckets.length ? String(latencyBuckets[i]) : '+Inf';
      out.push(`${histogram}_bucket${labelText(s.labels, `,le="${le}"`)} ${cumulative}`);
    }
    out.push(`${histogram}_sum${labelText(s.labels)} ${(s.values[Slot.SumMs] as number) / 1000}`);
    out.push(`${histogram}_count${labelText(s.labels)} ${cumulative}`);
  }

  out.push('# HELP skiff_router_unmatched_requests_total Requests no route matched (404).', '# TYPE skiff_router_unmatched_requests_total counter');
  out.push(`skiff_router_unmatched_requests_total ${snapshot.unmatched}`);
  out.push('# HELP skiff_router_held_requests Requests waiting for a ready instance.', '# TYPE skiff_router_held_requests gauge');
  out.push(`skiff_router_held_requests ${snapshot.held}`);
  const wake = 'skiff_router_wake_seconds';
  out.push(`# HELP ${wake} Time a request waited while its service was woken from zero instances.`, `# TYPE ${wake} histogram`);
  for (const w of snapshot.wakes ?? []) {
    const labels = `service="${escapeLabel(w.service)}",environment="${escapeLabel(w.environment)}"`;
    let cumulative = 0;
    for (let i = 0; i <= wakeBuckets.length; i++) {
      cumulative += w.buckets[i] as number;
      out.push(`${wake}_bucket{${labels},le="${i < wakeBuckets.length ? String(wakeBuckets[i]) : '+Inf'}"} ${cumulative}`);
    }
    out.push(`${wake}_sum{${labels}} ${w.sumMs / 1000}`, `${wake}_count{${labels}} ${cumulative}`);
  }
  out.push('# HELP skiff_router_rejected_requests_total Requests refused before routing, by reason.', '# TYPE skiff_router_rejected_requests_total counter');
  for (const [reason, count] of Object.entries(snapshot.rejected)) {
    out.push(`skiff_router_rejected_requests_total{reason="${escapeLabel(reason)}"} ${count}`);
  }
  const traces = snapshot.traces ?? { spansExported: 0, spansDropped: 0 };
  out.push('# HELP skiff_router_trace_spans_exported_total Spans of the router sent to the OTLP endpoint.', '# TYPE skiff_router_trace_spans_exported_total counter');
  out.push(`skiff_router_trace_spans_exported_total ${traces.spansExported}`);
  out.push(
    '# HELP skiff_router_trace_spans_dropped_total Spans of the router dropped: the export queue was full or an export failed.',
    '# TYPE skiff_router_trace_spans_dropped_total counter',
  );
  out.push(`skiff_router_trace_spans_dropped_total ${traces.spansDropped}`);
  return `${out.join('\n')}\n`;
}
