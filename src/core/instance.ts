/**
 * One instance as every layer above the providers sees it: plain, provider-neutral data. A
 * provider reports these; planners, status, monitoring and the API read them.
 */
export type InstanceState = 'starting' | 'ready' | 'unhealthy' | 'stopping' | 'crashed';

/** Where the data plane reaches an instance. */
export interface InstanceAddress {
  readonly host: string;
  readonly port: number;
}

export interface InstanceUsage {
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

export interface ObservedInstance {
  readonly id: string;
  readonly environment: string;
  readonly service: string;
  /** The release name it runs (`v3`). */
  readonly release: string;
  /** The content hash of the release it runs: what the planners compare. */
  readonly configHash: string;
  readonly state: InstanceState;
  /** Why it is in its state (last exit, failing probe), for people; null when nothing to say. */
  readonly reason: string | null;
  readonly restarts: number;
  /** Creation order, to stop the newest first when scaling down. */
  readonly ordinal: number;
  /** When a crashed instance may start again (ms since epoch); null when not crashed. */
  readonly nextStartAt: number | null;
  /** When the current run started (ms since epoch); null when not running. */
  readonly startedAt: number | null;
  /** Where the data plane reaches it; null while it has none (not started, crashed). */
  readonly address: InstanceAddress | null;
  /** The process id, where the instance is a process or container on this machine. */
  readonly pid?: number;
  /** The machine it runs on, where that is not this one (a Kubernetes node). */
  readonly node?: string;
}
