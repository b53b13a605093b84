/**
 * The port the monitoring routes serve, apart from the ControlPlane: `main/` wires the monitor
 * to it. Its types mirror monitoring's views, so the monitor satisfies it as it is.
 */

export interface RequestObservation {
  readonly method: string;
  /** The route template (`/api/v1/environments/:env/status`), never the raw URL: bounded labels. */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
}

export interface MonitoringPort {
  /** Prometheus text format 0.0.4: the control plane's metrics and every router's. */
  metricsText(): Promise<string>;
  observeRequest(observation: RequestObservation): void;
}
