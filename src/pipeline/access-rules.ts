/** The pipeline access rule (spec/pipeline-access) as refusals: SKIFF_FORBIDDEN, and nothing changes. */
import type { Caller } from '../core/access.js';
import { SkiffError } from '../core/errors.js';
import { approvalRefusal, startRefusal, type Refusal } from '../spec/pipeline-access.js';
import type { PipelineStageSpec } from '../spec/schema.js';
import type { PipelineRun } from './run.js';

function refuse(refusal: Refusal | null): void {
  if (refusal) throw new SkiffError('SKIFF_FORBIDDEN', refusal.message, { hint: refusal.hint });
}

export function checkStart(pipeline: string, stages: readonly PipelineStageSpec[], starter: Caller): void {
  refuse(startRefusal(pipeline, stages, starter));
}

export function checkApproval(run: PipelineRun, stageName: string, approver: Caller): void {
  const index = run.stages.findIndex((stage) => stage.name === stageName);
  refuse(approvalRefusal({ id: run.id, author: run.author, stages: run.stages.map((stage) => stage.spec) }, index, approver));
}
