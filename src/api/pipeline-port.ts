/**
 * The port the pipeline routes serve, apart from the ControlPlane: `main/` wires the pipeline
 * runner to it. Its views are the pipeline module's runs.
 */
import type { Caller } from '../core/access.js';
import type { PipelineRun, RunState, StageRun, StageState } from '../pipeline/index.js';

export type PipelineStageState = StageState;
export type PipelineRunState = RunState;
export type PipelineStageView = StageRun;
export type PipelineRunView = PipelineRun;

export interface PipelinePort {
  /**
   * Starts a run of the pipeline covering the service (or the named one) as `by`, its author, and
   * answers at once. Throws SKIFF_UNKNOWN_SERVICE, SKIFF_PIPELINE_NOT_FOUND, SKIFF_PIPELINE_AMBIGUOUS,
   * SKIFF_FORBIDDEN (`by` may not deploy where the stages before the first approval deploy).
   */
  start(options: { readonly service: string; readonly pipeline?: string; readonly by: Caller }): PipelineRunView;
  /** Newest first. */
  list(options: { readonly limit: number; readonly service?: string }): readonly PipelineRunView[];
  /** Throws SKIFF_RUN_NOT_FOUND. */
  get(id: number): PipelineRunView;
  /**
   * Throws SKIFF_RUN_NOT_FOUND, SKIFF_STAGE_NOT_FOUND, SKIFF_STAGE_NOT_WAITING, SKIFF_FORBIDDEN (the
   * stage's role, `distinctFrom: starter`, or an environment the next stages deploy to), changing nothing.
   */
  approve(options: { readonly id: number; readonly stage: string; readonly by: Caller }): PipelineRunView;
}
