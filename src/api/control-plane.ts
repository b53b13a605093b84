/**
 * The port the API serves: everything the REST API, and through it the CLI and dashboard, can ask
 * of the control plane. `control-plane/` implements it and `main/` wires it; the API only maps it to HTTP.
 */
import type { AutoscaleStatus } from '../core/autoscale-status.js';
import type { ErrorDetail } from '../core/errors.js';
import type { RolloutPhase, RolloutResult } from '../rollout/index.js';
import type { StrategyType } from '../spec/schema.js';
import type { PlanChange } from '../spec/plan.js';

export type { PlanChange, PlanFieldChange } from '../spec/plan.js';

import type { InstanceState } from '../core/instance.js';

export type { InstanceState };

export interface InstanceStatus {
  readonly id: string;
  readonly service: string;
  readonly environment: string;
  readonly release: string;
  readonly state: InstanceState;
  /** `host:port` where the data plane reaches it; null while it has none. */
  readonly address: string | null;
  /** The process id, where the instance is a process or container on the control plane's machine. */
  readonly pid: number | null;
  readonly port: number | null;
  /** The machine it runs on, where that is not this one (a Kubernetes node); null otherwise. */
  readonly node?: string | null;
  readonly restarts: number;
  /** ISO time the current process started, null when not running. */
  readonly startedAt: string | null;
  /** Why the instance is in its state (last exit, failing probe), for people. */
  readonly reason: string | null;
}

export interface ServiceStatus {
  readonly name: string;
  readonly environment: string;
  readonly release: string;
  readonly desired: number;
  readonly ready: number;
  readonly routes: readonly { readonly host: string | null; readonly path: string }[];
  /** The rollout under way, else the last one; null when the service has had none in the environment. */
  readonly rollout: ServiceRollout | null;
  /** Its autoscaling; null for a fixed count. */
  readonly autoscale: AutoscaleStatus | null;
}

/** A service's rollout in brief, as `skiff status` and the overview show it (`skiff rollout status` has it all). */
export interface ServiceRollout {
  readonly id: number;
  readonly strategy: StrategyType;
  /** False once finished: see `result`. */
  readonly active: boolean;
  readonly phase: RolloutPhase;
  readonly result: RolloutResult | null;
  /** The release replaced and the one rolled out (`v3`, `v4`). */
  readonly stable: string;
  readonly next: string;
  /** The current step, from 1, of `steps`, and its label (`weight 25%`, `analysis quick`, `awaiting-promote`). */
  readonly step: number;
  readonly steps: number;
  readonly stepLabel: string;
  /** Percent per release in force; null when requests spread over every ready instance. */
  readonly weights: Readonly<Record<string, number>> | null;
  /** What a person must do for it to go on (`skiff rollout promote|resume`); null when nothing. */
  readonly waitsFor: 'promote' | 'resume' | null;
  readonly reason: string;
  readonly author: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

export interface StatusReport {
  readonly environment: string;
  readonly revision: RevisionSummary | null;
  readonly routerUrl: string;
  /** Whether memory/cpu/pids limits are enforced on this machine, and why not. */
  readonly limits: { readonly enforced: boolean; readonly reason: string | null };
  /** This machine's warm pool of function runtimes; absent or null when the environment runs no function. */
  readonly functionPool?: { readonly size: number; readonly warm: number; readonly memoryBytes: number } | null;
  readonly services: readonly ServiceStatus[];
  readonly instances: readonly InstanceStatus[];
  /** Why the environment does not run although it should (its provider could not start: a cluster unreachable, credentials refused); tried again meanwhile. */
  readonly unavailable?: { readonly code: string; readonly message: string; readonly hint: string | null; readonly since: string } | null;
  /** The trace viewer URL with `{traceId}` (the spec's `tracing.ui`); absent or null: none. */
  readonly traceUi?: string | null;
  /** The environment follows a git repository: its sync state (details at /environments/ENV/sync). */
  readonly sync?: { readonly state: string; readonly commit: string | null; readonly head: string | null; readonly error: string | null } | null;
}

export interface RevisionSummary {
  readonly id: number;
  readonly hash: string;
  readonly author: string;
  readonly message: string;
  readonly createdAt: string;
  /** The git commit the revision was synced from (an environment following a repository), else null. */
  readonly commit?: string | null;
}

export interface EventRecord {
  readonly id: number;
  readonly time: string;
  /** e.g. `instance.started`, `instance.crashed`, `instance.restarted`, `instance.health`, `spec.applied`. */
  readonly type: string;
  readonly environment: string | null;
  readonly service: string | null;
  readonly instance: string | null;
  readonly actor: string;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface EventQuery {
  readonly environment?: string;
  readonly service?: string;
  readonly type?: string;
  /** Only events with a larger id. */
  readonly afterId?: number;
  readonly limit?: number;
}

export interface SpecSource {
  /** The YAML text. */
  readonly text: string;
  /** The file name the text came from, used in error positions. */
  readonly file: string;
  /** Directory service paths are relative to (the spec file's directory on the machine running Skiff). */
  readonly baseDir: string;
}

export type ValidationResult =
  | { readonly valid: true; readonly services: readonly string[]; readonly environments: readonly string[] }
  | { readonly valid: false; readonly errors: readonly ErrorDetail[] };

export interface ApplyResult {
  readonly revision: RevisionSummary;
  /** False when the spec was identical to the current revision and nothing changed. */
  readonly changed: boolean;
  readonly environments: readonly string[];
  /** Services built from their source for an environment whose provider runs built artifacts only. */
  readonly built?: readonly BuiltFromSource[];
}

export interface BuiltFromSource {
  readonly service: string;
  readonly environment: string;
  readonly digest: string;
}

export interface LogLine {
  /** ISO time the line was collected from the instance's output. */
  readonly time: string;
  readonly instance: string;
  readonly release: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

export interface LogQuery {
  readonly environment: string;
  readonly service: string;
  readonly instance?: string;
  readonly release?: string;
  /** Only lines from the last this-many milliseconds. */
  readonly sinceMs?: number;
  /** Only lines containing this text. */
  readonly grep?: string;
  /** At most this many lines, the newest, of all instances merged in time order. */
  readonly tail?: number;
}

export interface ArtifactSummary {
  readonly digest: string;
  readonly service: string;
  readonly size: number;
  readonly createdAt: string;
  /** The git commit of the build context, when it was a git work tree. */
  readonly sourceCommit: string | null;
}

export interface ReleaseSummary {
  readonly environment: string;
  readonly service: string;
  /** `v3`. */
  readonly version: string;
  /** `sha256:…`; null when the release runs from its source directory. */
  readonly artifact: string | null;
  readonly configHash: string;
  readonly author: string;
  /** Why it was made: source, deploy, config, promote, rollback, restore. */
  readonly reason: string;
  readonly createdAt: string;
  /** Whether this is the release the environment runs now. */
  readonly current: boolean;
  /** The git commit whose sync made it, else null. */
  readonly commit?: string | null;
  /** Set when the environment already ran this artifact with this config: no release was made, this is the running one. */
  readonly unchanged?: boolean;
}

export interface SecretInfo {
  readonly name: string;
  readonly version: number;
  readonly updatedAt: string;
  readonly author: string;
}

export interface SecretChange {
  /** The service's secrets after the change (names only: values are never returned). */
  readonly secrets: readonly SecretInfo[];
  /** The new release that uses them, when the service runs in that environment. */
  readonly release: ReleaseSummary | null;
  /** Secrets that logs will not redact (too short or too plain), named with why; set by the API. */
  readonly warnings?: readonly string[];
}

export type PlanResult =
  | { readonly valid: true; readonly changes: readonly PlanChange[] }
  | { readonly valid: false; readonly errors: readonly ErrorDetail[] };

export interface RestoreResult {
  /** The new revision. */
  readonly revision: RevisionSummary;
  /** The revision whose releases and config were brought back. */
  readonly restored: RevisionSummary;
  readonly releases: readonly ReleaseSummary[];
}

export interface DeployRequest {
  readonly service: string;
  /** An artifact: a full digest, a unique prefix of its hex, or `latest`. */
  readonly version: string;
  readonly environment: string;
  readonly author: string;
  /** Roll out with this strategy instead of the service's. */
  readonly strategy?: StrategyType;
}

export interface PromoteRequest {
  readonly service: string;
  readonly from: string;
  readonly to: string;
  readonly author: string;
  readonly strategy?: StrategyType;
}

export interface RollbackRequest {
  readonly service: string;
  readonly environment: string;
  /** A release version such as `v2`; default the one before the current. */
  readonly to?: string;
  readonly author: string;
  /** Default: rolling for a canary or blue-green service, its own strategy otherwise. */
  readonly strategy?: StrategyType;
}

/**
 * `machineChecks: false` leaves out what looks at this machine (do the service directories exist),
 * for callers who may not learn which paths exist on the server (viewers). Default true.
 */
export interface SpecCheckOptions {
  readonly machineChecks?: boolean;
}

export interface ControlPlane {
  validate(source: SpecSource, options?: SpecCheckOptions): ValidationResult;
  /** Throws SkiffError SKIFF_SPEC_INVALID (with details) and changes nothing when the spec is invalid. */
  apply(source: SpecSource, options: { readonly author: string; readonly message?: string }): Promise<ApplyResult>;
  /** Throws SkiffError SKIFF_UNKNOWN_ENVIRONMENT. Returns the same object while nothing in it changed. */
  status(environment: string): StatusReport;
  environments(): readonly string[];
  /** Throws SKIFF_UNKNOWN_ENVIRONMENT / SKIFF_UNKNOWN_SERVICE / SKIFF_NO_REVISION; a new revision. */
  scale(options: {
    readonly environment: string;
    readonly service: string;
    readonly instances: number;
    readonly author: string;
  }): Promise<RevisionSummary>;
  events(query: EventQuery): readonly EventRecord[];
  /** Calls the listener for every new event; returns the unsubscribe function. */
  onEvent(listener: (event: EventRecord) => void): () => void;
  /** Newest first; with an environment, only the revisions that changed it. */
  revisions(limit: number, environment?: string): readonly RevisionSummary[];
  /** What applying the spec would change, per environment and service; changes nothing. */
  plan(source: SpecSource, options?: SpecCheckOptions): PlanResult;
  /**
   * Brings an environment back to the releases (artifact, config, secrets) and instance counts it
   * had at a revision (`to`: a revision id, or a time: the last revision at or before it). A new revision.
   */
  restore(options: { readonly environment: string; readonly to: string; readonly author: string }): Promise<RestoreResult>;
  /** Recent lines of the service's instances. */
  logs(query: LogQuery): Promise<readonly LogLine[]>;
  /** Follows new lines until the signal aborts. */
  followLogs(query: LogQuery, onLine: (line: LogLine) => void, signal: AbortSignal): Promise<void>;
  /** Builds an artifact of the service (SKIFF_BUILD_FAILED with the command's output when it fails). */
  build(options: { readonly service: string; readonly author: string }): Promise<ArtifactSummary>;
  /** Newest first. Throws SKIFF_UNKNOWN_SERVICE. */
  artifacts(service: string): Promise<readonly ArtifactSummary[]>;
  /**
   * A new release of an artifact (full digest, unique prefix, or `latest`) with the environment's
   * config, rolled out. The artifact is verified first: a tampered one is refused and nothing changes.
   */
  deploy(options: DeployRequest): Promise<ReleaseSummary>;
  /** Deploys to `to` exactly the artifact `from` runs; never rebuilds. */
  promote(options: PromoteRequest): Promise<ReleaseSummary>;
  /** A new release reusing an older release's artifact and config (default: the one before the current). */
  rollback(options: RollbackRequest): Promise<ReleaseSummary>;
  /** Newest first. */
  releases(environment: string, service: string): readonly ReleaseSummary[];
  /** Sets secrets (encrypted at rest); a running service gets a new release with them. */
  setSecrets(options: {
    readonly environment: string;
    readonly service: string;
    readonly values: Readonly<Record<string, string>>;
    readonly author: string;
  }): Promise<SecretChange>;
  /** Throws SKIFF_NOT_FOUND when there is no such secret. */
  unsetSecret(options: { readonly environment: string; readonly service: string; readonly name: string; readonly author: string }): Promise<SecretChange>;
  secrets(environment: string, service: string): readonly SecretInfo[];
  /** Stops every instance and the router, then the server. */
  shutdown(): Promise<void>;
}
