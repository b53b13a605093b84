/**
 * How the local provider runs one instance. One narrow interface; a driver declares what it can
 * do in `capabilities` instead of callers branching on its kind.
 */
import type { DriverKind, FunctionSettings, Resources, VolumeMount } from '../spec/schema.js';

export interface InstanceLaunch {
  readonly instanceId: string;
  readonly service: string;
  readonly environment: string;
  readonly release: string;
  /** Absolute working directory. */
  readonly directory: string;
  readonly command: readonly string[];
  /** The service's environment; the driver adds PORT. */
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  readonly resources: Resources;
  /** Directory for this instance's log files. */
  readonly logDir: string;
  /**
   * The container image (id `sha256:…` or `name:tag`) for the docker driver, which then runs
   * `command` in it, or the image's own command when `command` is empty. Other drivers ignore it.
   */
  readonly image?: string;
  /** What the function driver loads into its runtime (function services); other drivers ignore it. */
  readonly function?: FunctionSettings;
  /**
   * Keep the instance's standard input open for the caller (`RunningInstance.stdin`), as a one-off
   * command needs; instances get none. Drivers without `capabilities.stdin` ignore it.
   */
  readonly stdin?: boolean;
  /**
   * Write how it ended to a file beside its log, so that `recover()` by a later control plane (not
   * its parent) learns its exit status; a one-off command needs it, instances do not. Drivers
   * without `capabilities.exitAfterRecover` ignore it.
   */
  readonly recordExit?: boolean;
  /**
   * Persistent directories of the service in this environment. The driver sets
   * SKIFF_VOLUME_<NAME> to where the instance finds each (its own directory for a process, the
   * mount path in a container).
   */
  readonly volumes?: readonly VolumeMount[];
}

/** Serializable: saved in the store so a restarted control plane can `recover()` the instance. */
export interface InstanceHandle {
  readonly driver: DriverKind;
  readonly instanceId: string;
  readonly pid: number;
  /** Process start time (clock ticks since boot, from /proc/PID/stat) to tell a reused pid apart. */
  readonly startTime: number;
  readonly port: number;
  readonly logPath: string;
  /** Cgroup directories the instance was placed in, to read usage and remove them at stop. */
  readonly cgroups: readonly string[];
  /** The engine's id of the container (docker driver). */
  readonly containerId?: string;
  /** Where its exit status is written when it ends (started with `recordExit`). */
  readonly exitFile?: string;
}

export interface InstanceExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** True when the kernel's OOM killer ended it (cgroup memory events). */
  readonly oomKilled: boolean;
  /** Why it ended, when the driver knows better than the exit status (a function that blocked its event loop). */
  readonly reason?: string;
}

/** A started or recovered instance. */
export interface RunningInstance {
  readonly handle: InstanceHandle;
  /** Settles once when the instance ends, however it ends. */
  readonly exited: Promise<InstanceExit>;
  /** SIGTERM to the whole process group, then SIGKILL after `graceMs`; a later call with less grace brings the SIGKILL forward. Resolves when it is gone. */
  stop(graceMs: number): Promise<InstanceExit>;
  /**
   * Its standard input, when started with `stdin: true` by a driver that can: ending it is the
   * end of input. Absent for an adopted instance (the pipe ended with the control plane that held it).
   */
  readonly stdin?: NodeJS.WritableStream;
}

export interface ResourceEnforcement {
  readonly enforced: boolean;
  /** Why limits are not enforced, shown by `skiff status`. */
  readonly reason?: string;
}

export interface DriverCapabilities {
  /** Whether a restarted control plane can adopt running instances. */
  readonly recover: boolean;
  readonly resourceLimits: ResourceEnforcement;
  /** Whether the driver can start instances at all here (the docker driver needs a reachable engine). Absent: always. */
  readonly available?: DriverAvailability;
  /** Whether `InstanceLaunch.stdin` gives the caller the instance's standard input. Absent: no. */
  readonly stdin?: boolean;
  /** Whether an instance recovered after a restart reports its real exit status (`recordExit`). Absent: no. */
  readonly exitAfterRecover?: boolean;
  /**
   * Whether `start` resolves only once the instance serves on its port (the function runtime says
   * so once its handler is loaded and it listens): an instance with no readiness probe of its own
   * is then ready at once, as the default probe, a TCP connect, could tell no more. Absent: no.
   */
  readonly servesOnStart?: boolean;
}

export interface DriverAvailability {
  readonly available: boolean;
  /** Why not, and how to fix it. */
  readonly reason?: string;
}

export interface InstanceUsage {
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

export interface Driver {
  readonly kind: DriverKind;
  readonly capabilities: DriverCapabilities;
  /** Starts the instance; rejects with SkiffError SKIFF_DRIVER_START_FAILED when it cannot be spawned. */
  start(launch: InstanceLaunch): Promise<RunningInstance>;
  /** Re-attaches to an instance started by an earlier control plane; null when it is gone or the pid was reused. */
  recover(handle: InstanceHandle): Promise<RunningInstance | null>;
  /** Current usage, or null when it cannot be read. */
  usage(handle: InstanceHandle): Promise<InstanceUsage | null>;
  /**
   * Ends whatever a start of this instance left running when its handle was never recorded (the
   * control plane died between the start and the record); resolves with how many it ended.
   */
  reap(instanceId: string): Promise<number>;
  /**
   * The host address this driver's instances reach the router at when the host's 127.0.0.1 is
   * not theirs (docker: the bridge gateway); the local provider has the router listen there
   * too. Null when there is none now (no engine). Absent: instances share the host's loopback.
   */
  routerAddress?(): Promise<string | null>;
  /**
   * Runtimes started ahead of need, so that a start loads code into one instead of starting a
   * process (the function driver). Absent: the driver keeps none.
   */
  warmPool?(): WarmPoolStatus;
  /** Where this driver keeps volumes, to list, back up and restore them. Absent: it runs nothing with volumes. */
  readonly volumes?: VolumeStorage;
  /** Ends what the driver holds besides instances (the warm pool); instances keep running. */
  close?(): Promise<void>;
}

/** One volume of one service in one environment. */
export interface VolumeRef {
  readonly environment: string;
  readonly service: string;
  readonly name: string;
}

/** A driver's volumes: found by their ref, saved to and restored from tar files. */
export interface VolumeStorage {
  /** Where the data is, for people: a directory, or a Docker volume's name. */
  describe(ref: VolumeRef): string;
  /** Whether the volume exists yet (an instance using it has started once). */
  exists(ref: VolumeRef): Promise<boolean>;
  /** Writes every file of the volume into a new tar file at `tarPath`; returns its size in bytes. */
  backup(ref: VolumeRef, tarPath: string): Promise<number>;
  /** Replaces the volume's files with the archive's; nothing may use the volume meanwhile. */
  restore(ref: VolumeRef, tarPath: string): Promise<void>;
  /** Deletes the volume with its data (`skiff volume delete`); false when there was none. */
  remove(ref: VolumeRef): Promise<boolean>;
}

export interface WarmPoolStatus {
  /** How many runtimes the pool keeps. */
  readonly size: number;
  /** How many are started and waiting now. */
  readonly warm: number;
  /** Their resident memory together. */
  readonly memoryBytes: number;
}

export interface DriverOptions {
  readonly dataDir: string;
  /** Variables every instance inherits from the machine (PATH, HOME, LANG), read by config/. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** The Docker engine's address as in DOCKER_HOST (read by config/); default: /var/run/docker.sock. */
  readonly dockerHost?: string;
  /** How many function runtimes the function driver keeps started (default 2). */
  readonly functionWarmPool?: number;
}

export type DriverFactory = (options: DriverOptions) => Driver;
