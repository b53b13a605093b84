/**
 * The executor of pipeline runs: asks `nextAction` what to do, performs it through the control
 * port, records the outcome in the repository and tells the event stream. Each run is driven by
 * one loop at a time; a run waiting for an approval holds no loop.
 */
import type { Caller } from '../core/access.js';
import type { Clock } from '../core/clock.js';
import { SkiffError, isSkiffError } from '../core/errors.js';
import { assertNever } from '../core/assert-never.js';
import type { PipelineStageSpec } from '../spec/schema.js';
import { defaultRolloutTimeoutMs } from '../spec/schema-pipeline.js';
import { checkApproval, checkStart } from './access-rules.js';
import type { PipelineControlPort, PipelineRunRepository } from './ports.js';
import { followRelease } from './release-follower.js';
import type { RolloutTarget } from './rollout-judgement.js';
import { newRun } from './run.js';
import type { PipelineRun, RunCommit, StageRun } from './run.js';
import { approveStage, choosePipeline, failRun, finishStage, nextAction, noteStage, recoverRun, startStage, succeedRun } from './steps.js';
import type { StageOutcome } from './steps.js';

export interface PipelineRunnerDeps {
  readonly control: PipelineControlPort;
  readonly runs: PipelineRunRepository;
  readonly clock: Clock;
  /** How often a deploy or promote stage looks at its rollout; 250 ms unless given. */
  readonly rolloutPollMs?: number;
  /** Told of a fault in a run's loop that is not a stage failure (a bug or a store error). */
  readonly onError?: (error: unknown) => void;
}

const defaultRolloutPollMs = 250;
const maxLogLines = 200;

export class PipelineRunner {
  private readonly driving = new Map<number, Promise<void>>();

  constructor(private readonly deps: PipelineRunnerDeps) {}

  /** At startup: runs that were under way when the server stopped are failed; waiting ones keep waiting. */
  recover(): void {
    for (const run of this.deps.runs.unfinished()) {
      const recovered = recoverRun(run, this.deps.clock.now());
      if (recovered !== run) {
        this.deps.runs.save(recovered);
        this.emitRun(recovered, `pipeline run ${run.id} failed: ${recovered.reason ?? ''}`);
      }
    }
  }

  /**
   * Starts a run of the pipeline covering the service, as `by` (recorded as its author); answers
   * at once, the run goes on in the background. SKIFF_FORBIDDEN when `by` may not deploy where
   * the stages before the first approval deploy.
   */
  start(options: { readonly service: string; readonly pipeline?: string; readonly by: Caller; readonly commit?: RunCommit }): PipelineRun {
    const { pipelines, services } = this.deps.control.pipelines();
    if (!services.includes(options.service)) {
      throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `there is no service "${options.service}"`, {
        hint: `services: ${services.join(', ')}`,
        path: 'service',
      });
    }
    const chosen = choosePipeline(pipelines, options.service, options.pipeline);
    checkStart(chosen.name, chosen.pipeline.stages, options.by);
    const run = this.deps.runs.create(
      newRun({ pipeline: chosen.name, service: options.service, author: options.by.name, stages: chosen.pipeline.stages, now: this.deps.clock.now(), commit: options.commit }),
    );
    const cause = run.commit ? ` by commit ${run.commit.sha.slice(0, 12)} "${run.commit.subject}"` : '';
    this.emitRun(run, `pipeline ${run.pipeline} run ${run.id} started for ${run.service}${cause}`);
    this.drive(run.id);
    return run;
  }

  /** Approves a waiting stage as `by`; SKIFF_FORBIDDEN (changing nothing) when the stage's rules refuse `by`. */
  approve(options: { readonly id: number; readonly stage: string; readonly by: Caller }): PipelineRun {
    const run = this.get(options.id);
    // Who may approve is checked first: a refused person learns nothing of the stage's state.
    checkApproval(run, options.stage, options.by);
    const approved = approveStage(run, options.stage, options.by.name, this.deps.clock.now());
    this.deps.runs.save(approved);
    this.emitStage(approved, approved.stages.find((stage) => stage.name === options.stage) as StageRun, options.by.name);
    this.drive(run.id);
    return approved;
  }

  get(id: number): PipelineRun {
    const run = this.deps.runs.get(id);
    if (!run) throw new SkiffError('SKIFF_RUN_NOT_FOUND', `there is no pipeline run ${id}`, { hint: 'list the runs: skiff pipeline status', path: 'id' });
    return run;
  }

  list(options: { readonly limit: number; readonly service?: string }): readonly PipelineRun[] {
    return this.deps.runs.list(options);
  }

  /** The runs still running or waiting for an approval. */
  unfinished(): readonly PipelineRun[] {
    return this.deps.runs.unfinished();
  }

  /** Resolves when no run is being driven (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.driving.size > 0) await Promise.all([...this.driving.values()]);
  }

  private drive(id: number): void {
    if (this.driving.has(id)) return;
    const loop = this.loop(id)
      .catch((error: unknown) => this.deps.onError?.(error))
      .finally(() => this.driving.delete(id));
    this.driving.set(id, loop);
  }

  private async loop(id: number): Promise<void> {
    for (;;) {
      const run = this.get(id);
      const action = nextAction(run);
      const now = this.deps.clock.now();
      switch (action.kind) {
        case 'idle':
          return;
        case 'succeed-run': {
          const done = succeedRun(run, now);
          this.deps.runs.save(done);
          this.emitRun(done, `pipeline ${run.pipeline} run ${run.id} succeeded for ${run.service}`);
          return;
        }
        case 'fail-run': {
          const failed = failRun(run, action.index, now);
          this.deps.runs.save(failed);
          this.emitRun(failed, `pipeline ${run.pipeline} run ${run.id} failed for ${run.service}: ${failed.reason ?? ''}`);
          return;
        }
        case 'await-approval': {
          const waiting = startStage(run, action.index, now);
          this.deps.runs.save(waiting);
          this.emitStage(waiting, waiting.stages[action.index] as StageRun);
          return;
        }
        case 'run-stage': {
          let current = startStage(run, action.index, now);
          this.deps.runs.save(current);
          this.emitStage(current, current.stages[action.index] as StageRun);
          const note = (line: string): void => {
            current = noteStage(current, action.index, line);
            this.deps.runs.save(current);
            this.emitStage(current, current.stages[action.index] as StageRun);
          };
          const outcome = await this.perform(current, (current.stages[action.index] as StageRun).spec, note);
          const finished = finishStage(current, action.index, trimLog(outcome), this.deps.clock.now());
          this.deps.runs.save(finished);
          this.emitStage(finished, finished.stages[action.index] as StageRun);
          break;
        }
        default:
          assertNever(action);
      }
    }
  }

  /** Performs one stage; an expected failure (a failing check, a refused deploy) is an outcome, not a throw. */
  private async perform(run: PipelineRun, stage: PipelineStageSpec, note: (line: string) => void): Promise<StageOutcome> {
    try {
      return await this.performStage(run, stage, note);
    } catch (error) {
      const message = isSkiffError(error) ? `${error.message} [${error.code}]` : error instanceof Error ? error.message : String(error);
      const hint = isSkiffError(error) && error.hint ? [`hint: ${error.hint}`] : [];
      return { ok: false, log: [...hint, message] };
    }
  }

  private async performStage(run: PipelineRun, stage: PipelineStageSpec, note: (line: string) => void): Promise<StageOutcome> {
    const { control } = this.deps;
    const service = run.service;
    const author = run.author;
    switch (stage.kind) {
      case 'build': {
        const tree = run.commit ? { commit: run.commit.sha, baseDir: run.commit.baseDir } : undefined;
        const artifact = await control.build({ service, author, tree });
        return { ok: true, log: [`built ${artifact.digest}`], artifact: artifact.digest };
      }
      case 'deploy': {
        const before = control.rollout(stage.environment, service)?.id ?? null;
        const release = await control.deploy({ service, version: run.artifact ?? 'latest', environment: stage.environment, author, commit: run.commit?.sha });
        note(
          release.unchanged
            ? `${stage.environment} already runs ${release.artifact ?? 'source'} as ${release.version}: nothing to deploy`
            : `deployed ${release.artifact ?? 'source'} to ${stage.environment} as ${release.version}`,
        );
        const followed = await this.follow({ environment: stage.environment, service, release: release.version, before }, stage.timeoutMs, note);
        return { ...followed, artifact: release.artifact };
      }
      case 'promote': {
        const running = control.currentRelease(stage.from, service);
        if (run.artifact && running && running.artifact !== run.artifact) {
          // Someone deployed another artifact meanwhile: promoting it would ship what this run never checked.
          return { ok: false, log: [`${stage.from} now runs ${running.artifact ?? 'source'}, not ${run.artifact} of this run; nothing promoted`] };
        }
        const before = control.rollout(stage.to, service)?.id ?? null;
        const release = await control.promote({ service, from: stage.from, to: stage.to, author });
        note(
          release.unchanged
            ? `${stage.to} already runs ${release.artifact ?? 'source'} as ${release.version}: nothing to promote`
            : `promoted ${release.artifact ?? 'source'} from ${stage.from} to ${stage.to} as ${release.version}`,
        );
        const followed = await this.follow({ environment: stage.to, service, release: release.version, before }, stage.timeoutMs, note);
        return { ...followed, artifact: release.artifact };
      }
      case 'check': {
        const result = await control.runCheck({
          command: stage.command,
          environment: stage.environment,
          service,
          artifact: run.artifact,
          timeoutMs: stage.timeoutMs,
        });
        const output = result.output.split('\n').filter((line) => line.trim() !== '');
        const ok = result.exitCode === 0 && !result.timedOut;
        const verdict = result.spawnError
          ? `check ${stage.name} could not run ${stage.command[0] ?? ''}: ${result.spawnError}`
          : result.timedOut
            ? `check ${stage.name} timed out after ${stage.timeoutMs} ms`
            : `check ${stage.name} exited with ${result.exitCode ?? 'a signal'}`;
        return { ok, log: [...output, ok ? `check ${stage.name} passed` : verdict] };
      }
      case 'approval':
        // Approvals wait for a person (nextAction never runs them); reaching here is a bug.
        throw new SkiffError('SKIFF_INTERNAL', 'an approval stage cannot be performed');
      default:
        return assertNever(stage);
    }
  }

  /** Until the release carries the traffic: its rollout completes, or (without one) its instances are ready. */
  private follow(target: RolloutTarget, timeoutMs: number | undefined, note: (line: string) => void): Promise<StageOutcome> {
    const { control, clock } = this.deps;
    return followRelease(
      { control, clock, pollMs: this.deps.rolloutPollMs ?? defaultRolloutPollMs },
      // A run saved before stages carried their own timeout has none.
      { target, timeoutMs: timeoutMs ?? defaultRolloutTimeoutMs, note },
    );
  }

  private emitRun(run: PipelineRun, message: string): void {
    this.deps.control.emit({
      type: 'pipeline.run',
      service: run.service,
      actor: run.author,
      message,
      data: { run: run.id, pipeline: run.pipeline, state: run.state, artifact: run.artifact, reason: run.reason, commit: run.commit?.sha ?? null },
    });
  }

  private emitStage(run: PipelineRun, stage: StageRun, actor = run.author): void {
    const environment = stageEnvironment(stage.spec);
    this.deps.control.emit({
      type: 'pipeline.stage',
      service: run.service,
      ...(environment ? { environment } : {}),
      actor,
      message: `pipeline ${run.pipeline} run ${run.id}: ${stage.name} ${stage.state}`,
      data: { run: run.id, pipeline: run.pipeline, stage: stage.name, state: stage.state, log: stage.log.slice(-5) },
    });
  }
}

function stageEnvironment(stage: PipelineStageSpec): string | undefined {
  switch (stage.kind) {
    case 'deploy':
    case 'check':
      return stage.environment;
    case 'promote':
      return stage.to;
    case 'build':
    case 'approval':
      return undefined;
    default:
      return assertNever(stage);
  }
}

function trimLog(outcome: StageOutcome): StageOutcome {
  if (outcome.log.length <= maxLogLines) return outcome;
  const dropped = outcome.log.length - maxLogLines;
  return { ...outcome, log: [`… ${dropped} earlier lines not kept`, ...outcome.log.slice(-maxLogLines)] };
}
