/** Pipelines: stages, checks, approvals and promotion of one service, as runs that persist. */
export { checkApproval, checkStart } from './access-rules.js';
export { PipelineRunner } from './runner.js';
export type { PipelineRunnerDeps } from './runner.js';
export type { CheckResult, PipelineControlPort, PipelineEvent, PipelineRunRepository, ReleaseRef } from './ports.js';
export { isFinished, newRun } from './run.js';
export type { NewPipelineRun, PipelineRun, RunCommit, RunState, StageRun, StageState } from './run.js';
export { approveStage, choosePipeline, failRun, finishStage, nextAction, recoverRun, startStage, succeedRun } from './steps.js';
export type { NextAction, StageOutcome } from './steps.js';
