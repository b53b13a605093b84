/**
 * The port the pipeline routes serve, apart from the ControlPlane: `main/` wires the pipeline
 * runner to it. Its types mirror the runner's runs, so the runner satisfies it as it is.
 */
import type { PipelineStageSpec } from '../spec/schema.js';

export type PipelineStageState = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped';
export type PipelineRunState = 'running' | 'waiting' | 'succeeded' | 'failed';

export interface PipelineStageView {
  readonly name: string;
  readonly kind: PipelineStageSpec['kind'];
  readonly state: PipelineStageState;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly log: readonly string[];
  readonly approvedBy: string | null;
  readonly approvedAt: string | null;
  readonly spec: PipelineStageSpec;
}

export interface PipelineRunView {
  readonly id: number;
  readonly pipeline: string;
  readonly service: string;
  readonly state: PipelineRunState;
  readonly author: string;
  readonly artifact: string | null;
  readonly reason: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly stages: readonly PipelineStageView[];
}

export interface PipelinePort {
  /**
   * Starts a run of the pipeline covering the service (or the named one) and answers at once.
   * Throws SKIFF_UNKNOWN_SERVICE, SKIFF_PIPELINE_NOT_FOUND, SKIFF_PIPELINE_AMBIGUOUS.
   */
  start(options: { readonly service: string; readonly pipeline?: string; readonly author: string }): PipelineRunView;
  /** Newest first. */
  list(options: { readonly limit: number; readonly service?: string }): readonly PipelineRunView[];
  /** Throws SKIFF_RUN_NOT_FOUND. */
  get(id: number): PipelineRunView;
  /** Throws SKIFF_RUN_NOT_FOUND, SKIFF_STAGE_NOT_FOUND, SKIFF_STAGE_NOT_WAITING (and changes nothing). */
  approve(options: { readonly id: number; readonly stage: string; readonly author: string }): PipelineRunView;
}
