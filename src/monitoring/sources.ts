/**
 * What monitoring reads from the running platform, as a port: `main/` implements it over the
 * environments' supervisors and routers. Monitoring knows no supervisor or router.
 */
export const instanceStates = ['starting', 'ready', 'unhealthy', 'stopping', 'crashed'] as const;
export type ObservedState = (typeof instanceStates)[number];

export interface InstanceSample {
  readonly id: string;
  readonly environment: string;
  readonly service: string;
  readonly release: string;
  readonly state: ObservedState;
  readonly restarts: number;
  /** Epoch ms the running process started; null when not running. */
  readonly startedAt: number | null;
  /** Null when the driver cannot read it (or usage was not asked for). */
  readonly cpuSeconds: number | null;
  readonly rssBytes: number | null;
}

export interface DesiredCount {
  readonly service: string;
  readonly release: string;
  readonly instances: number;
}

export interface RouteTableSize {
  readonly routes: number;
  readonly backends: number;
}

/** A certificate the environment's router serves on its TLS listeners. */
export interface CertificateSample {
  /** Exact or `*.example.com`. */
  readonly hosts: readonly string[];
  readonly source: 'file' | 'acme';
  /** Epoch ms it expires. */
  readonly notAfter: number;
}

export interface EnvironmentSample {
  readonly environment: string;
  readonly instances: readonly InstanceSample[];
  readonly desired: readonly DesiredCount[];
  /** The router's exposition, or null when it did not answer. */
  readonly routerMetrics: string | null;
  readonly routeTable: RouteTableSize | null;
  readonly certificates: readonly CertificateSample[];
  /** Why the instances' usage could not be read (a cluster without metrics-server); absent when it could or was not asked for. */
  readonly usageUnavailable?: string;
}

export interface MonitoringSources {
  environments(): readonly string[];
  /** `usage`: read CPU and memory of every instance too (costs a file read per instance). */
  sample(environment: string, options: { readonly usage: boolean }): Promise<EnvironmentSample>;
  /**
   * Instance ids the environment's router currently routes to (for propagation delay); null when
   * the service has no routes or the router does not answer.
   */
  routedInstances(environment: string, service: string): Promise<ReadonlySet<string> | null>;
  /** Resolves when the environment's reconcile queue is idle. */
  reconcileIdle(environment: string): Promise<void>;
}
