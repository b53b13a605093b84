/**
 * The port the pipeline routes serve, apart from the ControlPlane: `main/` wires the pipeline
 * runner to it. Its views are the pipeline module's runs.
 */
import type { PipelineRun, RunState, StageRun, StageState } from '../pipeline/index.js';

export type PipelineStageState = StageState;
export type PipelineRunState = RunState;
export type PipelineStageView = StageRun;
export type PipelineRunView = PipelineRun;

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
