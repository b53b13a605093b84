/** What the pipeline runner needs from the rest of the system: the control plane and the run store. */
import type { PipelineSpec } from '../spec/schema.js';
import type { NewPipelineRun, PipelineRun } from './run.js';

export interface ReleaseRef {
  /** `v3`. */
  readonly version: string;
  readonly artifact: string | null;
  /** The environment already ran this artifact with this config: no release was made. */
  readonly unchanged?: boolean;
}

export interface CheckResult {
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** The command's output, its last lines. */
  readonly output: string;
  /** Why it never ran (e.g. the program does not exist). */
  readonly spawnError?: string;
}

/** The service's rollout in an environment, as a deploy or promote stage follows it. */
export interface RolloutProgress {
  /** Tells rollouts apart: a stage follows only one that began with its own deploy. */
  readonly id: number;
  /** The release rolled out (`v4`) and the one it replaces. */
  readonly release: string;
  readonly stable: string;
  readonly strategy: string;
  /** False once finished: see `result`. */
  readonly active: boolean;
  readonly phase: 'progressing' | 'paused' | 'analysing' | 'promoted' | 'aborted' | 'completed';
  readonly result: 'completed' | 'aborted' | 'superseded' | 'cancelled' | null;
  /** Why it is where it is: the failed analysis of an abort, what a pause waits for. */
  readonly reason: string;
  /** What a person must do for it to go on (`skiff rollout promote|resume`); null when nothing. */
  readonly waitsFor: 'promote' | 'resume' | null;
}

export interface PipelineEvent {
  readonly type: 'pipeline.run' | 'pipeline.stage';
  readonly service: string;
  readonly environment?: string;
  readonly actor: string;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The control plane as the runner uses it. Failures are thrown SkiffErrors; the runner records them. */
export interface PipelineControlPort {
  /** The pipelines of the latest revision and the services it has. */
  pipelines(): { readonly pipelines: Readonly<Record<string, PipelineSpec>>; readonly services: readonly string[] };
  /** `tree`: build from a commit's clean tree (`baseDir`: the spec file's folder there), recording the commit on the artifact. */
  build(options: {
    readonly service: string;
    readonly author: string;
    readonly tree?: { readonly commit: string; readonly baseDir: string } | undefined;
  }): Promise<{ readonly digest: string }>;
  /** `commit`: the git commit the artifact was built from, recorded on the release. */
  deploy(options: {
    readonly service: string;
    readonly version: string;
    readonly environment: string;
    readonly author: string;
    readonly commit?: string | undefined;
  }): Promise<ReleaseRef>;
  promote(options: { readonly service: string; readonly from: string; readonly to: string; readonly author: string }): Promise<ReleaseRef>;
  currentRelease(environment: string, service: string): ReleaseRef | null;
  /**
   * The service's rollout in the environment under way, else its last one; null when it has had
   * none. A deploy or promote that starts a rollout has started it when it resolves.
   */
  rollout(environment: string, service: string): RolloutProgress | null;
  /** Resolves once the environment's router has the routing table in force now. */
  routed(environment: string): Promise<void>;
  /**
   * For a release that started no rollout (a first deploy, content already running): resolves
   * when its instances are ready and routed; rejects after `timeoutMs`.
   */
  waitReady(options: { readonly environment: string; readonly service: string; readonly release: string; readonly timeoutMs: number }): Promise<void>;
  runCheck(options: {
    readonly command: readonly string[];
    readonly environment: string;
    readonly service: string;
    readonly artifact: string | null;
    readonly timeoutMs: number;
  }): Promise<CheckResult>;
  emit(event: PipelineEvent): void;
}

export interface PipelineRunRepository {
  /** Saves a new run and returns it with its id. */
  create(run: NewPipelineRun): PipelineRun;
  save(run: PipelineRun): void;
  get(id: number): PipelineRun | null;
  /** Newest first. */
  list(options: { readonly limit: number; readonly service?: string }): readonly PipelineRun[];
  /** Runs not finished (running or waiting). */
  unfinished(): readonly PipelineRun[];
}
