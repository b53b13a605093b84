/**
 * The runner's decisions, pure: which pipeline covers a service, what to do next with a run, and
 * the new run after each outcome. The executor (runner.ts) performs the actions through its port.
 */
import { SkiffError } from '../core/errors.js';
import type { PipelineSpec } from '../spec/schema.js';
import { isFinished, iso } from './run.js';
import type { PipelineRun, StageRun } from './run.js';

export type NextAction =
  /** Perform the stage (build, deploy, check, promote); an approval stage starts waiting instead. */
  | { readonly kind: 'run-stage'; readonly index: number }
  | { readonly kind: 'await-approval'; readonly index: number }
  /** A stage failed: skip the rest and fail the run. */
  | { readonly kind: 'fail-run'; readonly index: number }
  | { readonly kind: 'succeed-run' }
  /** Nothing to do now: a stage is under way, waits for a person, or the run is over. */
  | { readonly kind: 'idle' };

export function nextAction(run: PipelineRun): NextAction {
  if (isFinished(run)) return { kind: 'idle' };
  const failed = run.stages.findIndex((stage) => stage.state === 'failed');
  if (failed >= 0) return { kind: 'fail-run', index: failed };
  const index = run.stages.findIndex((stage) => stage.state !== 'succeeded' && stage.state !== 'skipped');
  if (index < 0) return { kind: 'succeed-run' };
  const stage = run.stages[index] as StageRun;
  if (stage.state !== 'pending') return { kind: 'idle' };
  return stage.kind === 'approval' ? { kind: 'await-approval', index } : { kind: 'run-stage', index };
}

/** The outcome of performing one stage. */
export interface StageOutcome {
  readonly ok: boolean;
  readonly log: readonly string[];
  /** The artifact the stage built or deployed, carried to the later stages. */
  readonly artifact?: string | null;
}

export function startStage(run: PipelineRun, index: number, now: number): PipelineRun {
  const waiting = run.stages[index]?.kind === 'approval';
  return {
    ...update(run, index, { state: waiting ? 'waiting' : 'running', startedAt: iso(now) }),
    state: waiting ? 'waiting' : 'running',
  };
}

export function finishStage(run: PipelineRun, index: number, outcome: StageOutcome, now: number): PipelineRun {
  const stage = run.stages[index] as StageRun;
  const next = update(run, index, { state: outcome.ok ? 'succeeded' : 'failed', finishedAt: iso(now), log: [...stage.log, ...outcome.log] });
  return outcome.artifact ? { ...next, artifact: outcome.artifact } : next;
}

/** Adds a line to the log of a stage under way (a rollout waiting for a person), before its outcome. */
export function noteStage(run: PipelineRun, index: number, line: string): PipelineRun {
  const stage = run.stages[index] as StageRun;
  return update(run, index, { log: [...stage.log, line] });
}

/** Skips every stage not yet done and fails the run with the failed stage's last log line. */
export function failRun(run: PipelineRun, index: number, now: number): PipelineRun {
  const stage = run.stages[index];
  const why = stage?.log.at(-1) ?? 'failed';
  return {
    ...run,
    state: 'failed',
    reason: run.reason ?? `stage ${stage?.name ?? index} failed: ${why}`,
    finishedAt: iso(now),
    stages: run.stages.map((s) => (s.state === 'pending' || s.state === 'waiting' ? { ...s, state: 'skipped' } : s)),
  };
}

export function succeedRun(run: PipelineRun, now: number): PipelineRun {
  return { ...run, state: 'succeeded', finishedAt: iso(now) };
}

/** Records who approved a waiting stage; throws SKIFF_STAGE_NOT_FOUND / SKIFF_STAGE_NOT_WAITING and changes nothing. */
export function approveStage(run: PipelineRun, stageName: string, who: string, now: number): PipelineRun {
  const index = run.stages.findIndex((stage) => stage.name === stageName);
  const stage = run.stages[index];
  if (!stage) {
    throw new SkiffError('SKIFF_STAGE_NOT_FOUND', `run ${run.id} has no stage "${stageName}"`, {
      hint: `stages: ${run.stages.map((s) => s.name).join(', ')}`,
      path: 'stage',
    });
  }
  if (stage.state !== 'waiting') {
    const approval = stage.kind === 'approval' ? 'its approval stage' : 'it is not an approval';
    throw new SkiffError('SKIFF_STAGE_NOT_WAITING', `stage "${stageName}" of run ${run.id} is ${stage.state}, not waiting for an approval (${approval})`, {
      hint: `see the run: skiff pipeline status ${run.id}`,
      path: 'stage',
    });
  }
  const approved = update(run, index, {
    state: 'succeeded',
    finishedAt: iso(now),
    approvedBy: who,
    approvedAt: iso(now),
    log: [...stage.log, `approved by ${who}`],
  });
  return { ...approved, state: 'running' };
}

/**
 * After a control-plane restart: a run that was running lost the work under way, so it fails
 * with that reason; a run waiting for an approval keeps waiting.
 */
export function recoverRun(run: PipelineRun, now: number): PipelineRun {
  if (run.state !== 'running') return run;
  const why = 'the control plane stopped while this run was under way';
  const stages = run.stages.map((stage): StageRun =>
    stage.state === 'running' ? { ...stage, state: 'failed', finishedAt: iso(now), log: [...stage.log, why] } : stage,
  );
  const interrupted = stages.findIndex((stage) => stage.state === 'failed');
  const failed = { ...run, stages, reason: why };
  return failRun(failed, interrupted >= 0 ? interrupted : 0, now);
}

/** The one pipeline for the service: the named one, or the only one that covers it. */
export function choosePipeline(
  pipelines: Readonly<Record<string, PipelineSpec>>,
  service: string,
  name?: string,
): { readonly name: string; readonly pipeline: PipelineSpec } {
  const covers = (pipeline: PipelineSpec): boolean => pipeline.services === undefined || pipeline.services.includes(service);
  if (name !== undefined) {
    const pipeline = pipelines[name];
    if (!pipeline || !covers(pipeline)) {
      throw new SkiffError('SKIFF_PIPELINE_NOT_FOUND', pipeline ? `pipeline "${name}" does not cover ${service}` : `there is no pipeline "${name}"`, {
        hint: `pipelines: ${Object.keys(pipelines).join(', ') || 'none (add `pipelines:` to the spec)'}`,
        path: 'pipeline',
      });
    }
    return { name, pipeline };
  }
  const matching = Object.entries(pipelines).filter(([, pipeline]) => covers(pipeline));
  const [first, second] = matching;
  if (!first) {
    throw new SkiffError('SKIFF_PIPELINE_NOT_FOUND', `no pipeline covers ${service}`, {
      hint: 'add a pipeline to the spec under `pipelines:` (its `services` list names the service, or is left out)',
      path: 'service',
    });
  }
  if (second) {
    throw new SkiffError('SKIFF_PIPELINE_AMBIGUOUS', `${matching.length} pipelines cover ${service}: ${matching.map(([n]) => n).join(', ')}`, {
      hint: 'choose one with --pipeline NAME',
      path: 'pipeline',
    });
  }
  return { name: first[0], pipeline: first[1] };
}

function update(run: PipelineRun, index: number, change: Partial<StageRun>): PipelineRun {
  return { ...run, stages: run.stages.map((stage, i) => (i === index ? { ...stage, ...change } : stage)) };
}
