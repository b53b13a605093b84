/** What the manifests of one environment are made from: plain data, resolved by the caller. */
import type { RouteTable } from '../../../core/route-table.js';
import type { DesiredService } from '../../../spec/desired.js';
import type { JobSpec, KubernetesSpec } from '../../../spec/schema.js';
import type { RegistryLogin } from './registry-secret.js';

/** One release to run: a service's desired state plus where its image is and its secret values. */
export interface ReleaseWorkload {
  /** The service as resolved for the environment; `release` names this release (`v3`). */
  readonly service: DesiredService;
  readonly release: string;
  /** Replicas of this release (during a rollout, old and new releases split the instances). */
  readonly replicas: number;
  /** `REGISTRY/SERVICE@sha256:…`: never a mutable tag. */
  readonly image: string;
  /** Secret values by name (export writes placeholders unless asked for the values). */
  readonly secrets: Readonly<Record<string, string>>;
  /** The pods pull with the environment's Secret `skiff-registry` (its registry asks for credentials). */
  readonly pullSecret?: boolean;
}

export interface EnvironmentManifestInput {
  readonly environment: string;
  readonly namespace: string;
  readonly settings: KubernetesSpec;
  readonly releases: readonly ReleaseWorkload[];
  /** Percent per release name for services split between releases; absent: the one release takes all. */
  readonly weights?: ReadonlyMap<string, Readonly<Record<string, number>>>;
  /** The routing table the router starts with (see `routeTableForExport`). */
  readonly routeTable: RouteTable;
  /** The image of Skiff's router. */
  readonly routerImage: string;
  /** Scheduled jobs written as CronJobs (a Kubernetes schedule, and their service among `releases`: see `exportableJobs`). */
  readonly jobs?: readonly ScheduledJob[];
  /** The registry's pull Secret, when it asks for credentials; every pod names it. */
  readonly registryLogin?: RegistryLogin;
}

export interface ScheduledJob {
  readonly name: string;
  readonly job: JobSpec;
}

/** The port every instance listens on inside its pod (`PORT`); Skiff's router listens on it too. */
export const containerPort = 8080;
/** The port of the router's Service (HTTP). */
export const routerServicePort = 80;
/** The router pods' admin port (reads and drain only), on the pod's own address. */
export const routerAdminPort = 8081;
/**
 * How long a stopping pod keeps serving before it gets SIGTERM (a preStop sleep): time for the
 * router to take it out of its table (EndpointSlices update) and finish what is in flight to it.
 */
export const drainSeconds = 5;
