/**
 * The port the monitoring routes serve, apart from the ControlPlane: `main/` wires the monitor
 * to it. Its views are monitoring's own.
 */
import type { AlertView } from '../monitoring/alerts.js';
import type { TopRow, TopView } from '../monitoring/top.js';

export interface RequestObservation {
  readonly method: string;
  /** The route template (`/api/v1/environments/:env/status`), never the raw URL: bounded labels. */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
}

export type { AlertView, TopRow, TopView };
export type AlertState = AlertView['state'];

export const seriesMetrics = ['rps', 'errorRate', 'p50', 'p99', 'ready', 'desired', 'cpu', 'memoryBytes'] as const;
export type SeriesMetric = (typeof seriesMetrics)[number];

export interface SeriesQuery {
  readonly environment: string;
  readonly service: string;
  readonly metric: SeriesMetric;
  /** One release's traffic (rps, errorRate, p99) instead of the whole service's. */
  readonly release?: string | undefined;
  /** One instance's cpu or memoryBytes. */
  readonly instance?: string | undefined;
  readonly resolution: '10s' | '1m';
  /** Epoch ms. */
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

export interface SeriesPoint {
  /** Epoch ms of the start of the interval. */
  readonly time: number;
  readonly value: number;
}

export interface MonitoringPort {
  /** Prometheus text format 0.0.4: the control plane's metrics and every router's. */
  metricsText(): Promise<string>;
  observeRequest(observation: RequestObservation): void;
  /** Every rule in every environment it covers, with its state. */
  alerts(): readonly AlertView[];
  /** Per service of the environment: traffic and usage of the last seconds. */
  top(environment: string): TopView;
  /** A metric's history: 10 s points for the last hour, 1 min points for the last day and (from SQLite) the week. */
  series(query: SeriesQuery): readonly SeriesPoint[];
}
