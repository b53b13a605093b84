/**
 * The provider seam: what runs one environment's instances and its data plane. The controllers of
 * this module decide (counts, rollout steps, analyses, parallel runs, routes); a provider only
 * applies their actions and reports what it observes, in provider-neutral terms. Providers are
 * chosen by the environment's `provider:` from the typed registry in `providers/registry.ts`.
 */
import type { ErrorDetail } from '../core/errors.js';
import type { InstanceAddress, InstanceUsage, ObservedInstance } from '../core/instance.js';
import type { ParallelReport } from '../core/parallel-report.js';
import type { RouteTable } from '../core/route-table.js';
import type { DesiredEnvironment, DesiredService } from '../spec/desired.js';
import type { EnvironmentSpec, ProviderKind } from '../spec/schema.js';
import type { NewEvent } from '../store/state-store.js';
import type { CountersSnapshot } from './deployment.js';
import type { StopReason } from './instance-planner.js';

/** What a provider can do; callers ask these instead of branching on its kind. */
export interface ProviderCapabilities {
  /** A restarted control plane adopts the running instances and data plane instead of restarting them. */
  readonly adoptsOnRestart: boolean;
  /** Whether per-instance resource limits are enforced, and why not. */
  readonly resourceLimits: { readonly enforced: boolean; readonly reason?: string };
  /** The data plane can mirror requests to a candidate and compare answers. */
  readonly parallelRuns: boolean;
  /** Instances' output can be read (`logSources`). */
  readonly logs: boolean;
  /** Per-instance CPU and memory can be read (`usage`). */
  readonly usage: boolean;
  /**
   * It runs on infrastructure that can be away for a while (a cluster): a start that fails leaves
   * the environment reported unavailable and is tried again, instead of failing the change that
   * started it. Absent: false.
   */
  readonly retriesStart?: boolean;
  /**
   * It can run a release from its source directory (no artifact). When false (a cluster pulls
   * images), the control plane builds a source release's artifact before recording it. Absent: true.
   */
  readonly runsFromSource?: boolean;
}

/** Where an instance's output is kept, for the log collector. */
export interface LogSource {
  readonly id: string;
  readonly environment: string;
  readonly service: string;
  readonly release: string;
  readonly logPath: string;
}

/** Answers from above that a provider needs while it runs instances. */
export interface ProviderHooks {
  readonly emit: (event: NewEvent) => void;
  /** Something changed for the service (an exit, a readiness change): plan it again. */
  readonly instanceChanged: (service: string) => void;
  /** Resolves once a routing table built from the current ready set reached the data plane. */
  readonly routesChanged: () => Promise<void>;
  /** How long a drained instance of the service may finish its requests. */
  readonly drainTimeoutMs: (service: string) => number;
  /** The data plane was restarted after it died. */
  readonly dataPlaneRestarted: (reason: string) => void;
}

export interface ProviderContext {
  readonly environment: string;
  /** The port the environment's router listens on. */
  readonly routerPort: number;
  readonly hooks: ProviderHooks;
  /** The environment's section of the spec it was started from (where a provider finds its own settings, e.g. `kubernetes:`). */
  readonly spec?: EnvironmentSpec;
}

export interface Provider {
  readonly kind: ProviderKind;
  readonly environment: string;
  readonly capabilities: ProviderCapabilities;
  /** The URL the environment's data plane answers on. */
  readonly routerUrl: string;

  /** Starts the data plane (or adopts the one left running) and adopts the instances an earlier control plane left. */
  start(desired: DesiredEnvironment): Promise<{ readonly dataPlane: 'started' | 'adopted'; readonly detail: string }>;
  /** The desired state the provider runs instances against (probes, stop grace, driver). */
  follow(desired: DesiredEnvironment): void;
  /** The instances it runs (of one service when named), in a stable order. */
  observed(service?: string): readonly ObservedInstance[];
  /** Grows whenever anything `observed()` reports changes: readers cache their views by it. */
  observedVersion(): number;

  /** Starts one new instance of the release. */
  place(release: DesiredService): Promise<void>;
  /** Starts a crashed instance again, from the release given. */
  restart(instanceId: string, release: DesiredService): Promise<void>;
  /**
   * Takes an instance out of service: it is `stopping` at once, then drained out of the data plane
   * (a table without it, in-flight requests finished) and stopped in the background.
   */
  stopInstance(instanceId: string, reason: StopReason): void;

  /** Gives the data plane its routing table; rejects when it cannot be reached. */
  publishRoutes(table: RouteTable): Promise<void>;
  /** The version of the table the data plane routes with, or null when it does not answer. */
  routeTableVersion(): Promise<number | null>;
  /** Waits until the data plane has nothing in flight to the address (or the timeout passes). */
  drain(address: InstanceAddress, timeoutMs: number): Promise<{ readonly drained: boolean; readonly inFlight: number }>;
  /** The data plane's per-release counters of a service, for analyses. */
  counters(service: string): Promise<CountersSnapshot>;
  /** The data plane's load per service name, for the autoscaler (services without traffic may be absent). */
  load(): Promise<ReadonlyMap<string, ServiceLoad>>;
  /**
   * Resolves with the services the data plane holds requests for while they have no instance (a
   * route marked `wake`), as soon as there are any; with [] after a while without any, or when
   * `signal` aborts. The autoscaler waits on it in a loop, so a wake reaches it at once.
   */
  wakeRequests(signal: AbortSignal): Promise<readonly string[]>;
  /** The data plane's metrics in Prometheus text, and its routing table as it routes now. */
  dataPlaneMetrics(): Promise<string>;
  dataPlaneTable(): Promise<RouteTable>;
  parallelReport(): Promise<ParallelReport>;
  resetParallel(): Promise<void>;
  logSources(): readonly LogSource[];
  usage(instanceId: string): Promise<InstanceUsage | null>;
  /** Why usage cannot be read now although the provider reads it (a cluster without metrics-server), for people; null or absent when it can. */
  usageUnavailable?(): string | null;

  /**
   * Runs a command to completion with a release, through the driver its instances use, with their
   * config, secrets and limits, outside the data plane. Absent: the provider cannot run commands.
   */
  startCommand?(launch: CommandLaunch): Promise<RunningCommand>;
  /** Re-attaches to a command an earlier control plane started; null when it has ended since. */
  recoverCommand?(handle: CommandHandle): Promise<RunningCommand | null>;

  /** The services' volumes where the provider keeps them itself (a cluster's claims). Absent: its drivers keep them on this machine. */
  readonly volumes?: ProviderVolumes;

  /**
   * Why the environment's new settings (its section of a spec about to be applied) cannot be
   * taken, each with its field path; [] when they can. Absent: any settings can.
   */
  checkSettings?(next: EnvironmentSpec): readonly ErrorDetail[];
  /**
   * Takes the environment's new settings: `applied` when it changed itself in place, `replace`
   * (having changed nothing) when they need a new provider, which the caller then starts after
   * detaching this one. Absent: settings are read once, when the provider is made.
   */
  reconfigure?(next: EnvironmentSpec): Promise<SettingsChange>;

  /** Stops every instance, then the data plane; `immediate` skips the grace periods (SIGKILL, containers removed). */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /** Stops watching and leaves the instances and the data plane running (the control plane goes; the data plane stays). */
  detach(): void;
}

/** What a provider made of new settings; `detail` says what changed, for the environment's events. */
export type SettingsChange =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'applied'; readonly detail: string }
  | { readonly kind: 'replace'; readonly detail: string };

/** What the data plane carries for one service now, summed over its routes and releases. */
export interface ServiceLoad {
  /** Requests being proxied to its instances now. */
  readonly inFlight: number;
  /** Requests answered since the data plane started (a counter: rates come from differences). */
  readonly requests: number;
}

export interface ShutdownOptions {
  readonly immediate?: boolean;
}

/** A command to run once with a release of a service (a `skiff run`, a release command, a job). */
export interface CommandLaunch {
  /** Unique among runs and instances: names the log file (and the container). */
  readonly runId: string;
  readonly release: DesiredService;
  readonly command: readonly string[];
  /** Keep its standard input open for the caller (`RunningCommand.stdin`). */
  readonly stdin: boolean;
  /** Variables beside the release's (a scheduled job's name and run). */
  readonly env?: Readonly<Record<string, string>>;
}

/** What the provider needs to find a command again after a restart: plain JSON, kept with the run. */
export type CommandHandle = Readonly<Record<string, unknown>>;

export interface CommandExit {
  /** Null when it was killed by a signal, or when it ended unwatched and its status is unknown. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly oomKilled: boolean;
}

export interface RunningCommand {
  readonly handle: CommandHandle;
  readonly pid: number;
  /** Its output, stdout and stderr interleaved; kept after it ends. */
  readonly logPath: string;
  /** Settles once when it ends, however it ends. */
  readonly exited: Promise<CommandExit>;
  /** SIGTERM to its process group (or container), SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs: number): Promise<CommandExit>;
  /** Its standard input when asked for and the driver can give it. */
  readonly stdin?: NodeJS.WritableStream;
}

/** A service's volume in the provider's environment. */
export interface ProviderVolumeRef {
  readonly service: string;
  readonly name: string;
}

/** Volumes a provider keeps (`skiff volume list` and `delete`); it never deletes one on its own. */
export interface ProviderVolumes {
  /** Where the data is, for people. */
  describe(ref: ProviderVolumeRef): string;
  exists(ref: ProviderVolumeRef): Promise<boolean>;
  /** Deletes the volume with its data; false when there was none. */
  remove(ref: ProviderVolumeRef): Promise<boolean>;
}

export type ProviderFactory = (context: ProviderContext) => Provider;
