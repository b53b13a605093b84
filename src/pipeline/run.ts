/**
 * A pipeline run as data: the stages it copied from the spec when it started (a later apply does
 * not change a run under way), each stage's state, log and approval, and the artifact it carries.
 */
import type { PipelineStageSpec } from '../spec/schema.js';

export type StageState = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped';
export type RunState = 'running' | 'waiting' | 'succeeded' | 'failed';

export interface StageRun {
  readonly name: string;
  readonly kind: PipelineStageSpec['kind'];
  readonly state: StageState;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Check output, deploy messages, the reason of a failure. */
  readonly log: readonly string[];
  readonly approvedBy: string | null;
  readonly approvedAt: string | null;
  readonly spec: PipelineStageSpec;
}

/** The git commit a run was started for: its artifact is built from the commit's clean tree. */
export interface RunCommit {
  readonly sha: string;
  readonly author: string;
  readonly email: string;
  readonly subject: string;
  /** The spec file's folder in the commit's tree: service paths are relative to it. */
  readonly baseDir: string;
}

export interface PipelineRun {
  readonly id: number;
  readonly pipeline: string;
  readonly service: string;
  readonly state: RunState;
  readonly author: string;
  /** The digest built (or first deployed) by this run; every later stage uses exactly it. */
  readonly artifact: string | null;
  /** Why the run failed, for people. */
  readonly reason: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly stages: readonly StageRun[];
  /** Set when a commit started the run; absent for runs started by a person (and runs saved before it existed). */
  readonly commit?: RunCommit;
}

export type NewPipelineRun = Omit<PipelineRun, 'id'>;

export function newRun(options: {
  readonly pipeline: string;
  readonly service: string;
  readonly author: string;
  readonly stages: readonly PipelineStageSpec[];
  readonly now: number;
  readonly commit?: RunCommit | undefined;
}): NewPipelineRun {
  return {
    ...(options.commit ? { commit: options.commit } : {}),
    pipeline: options.pipeline,
    service: options.service,
    state: 'running',
    author: options.author,
    artifact: null,
    reason: null,
    createdAt: iso(options.now),
    finishedAt: null,
    stages: options.stages.map((spec) => ({
      name: spec.name,
      kind: spec.kind,
      state: 'pending',
      startedAt: null,
      finishedAt: null,
      log: [],
      approvedBy: null,
      approvedAt: null,
      spec,
    })),
  };
}

export const isFinished = (run: Pick<PipelineRun, 'state'>): boolean => run.state === 'succeeded' || run.state === 'failed';

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
