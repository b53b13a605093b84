/**
 * Runs scheduled jobs: on each tick of the control loop it applies the planner's decision for
 * every job in every environment, stops runs past their timeout, tries failed runs again, and
 * records every attempt, skip and miss. It never runs a command itself: `startJobRun` does, the
 * same executor `skiff run` uses (the seam is below).
 */
import type { Clock } from '../core/clock.js';
import type { DesiredService } from '../spec/desired.js';
import { compileSchedule } from '../spec/cron.js';
import type { Schedule } from '../spec/cron.js';
import type { JobSpec } from '../spec/schema-jobs.js';
import type { JobRunRecord, JobRunStatus, JobRunStore } from '../store/job-run-store.js';
import type { NewEvent } from '../store/state-store.js';
import { isFailure, planJob, shouldRetry } from './job-planner.js';

/** One attempt of a job run, as the executor gets it. */
export interface JobRunRequest {
  readonly runId: number;
  readonly job: string;
  readonly environment: string;
  /** The service in the environment as it runs now: its current release, config, secrets (versions), driver, resources. */
  readonly service: DesiredService;
  readonly command: readonly string[];
  /** The schedule time the run is for, epoch ms. */
  readonly scheduledAt: number;
  /** 1 for the first try. */
  readonly attempt: number;
  /**
   * Aborted at the job's timeout, when a newer run replaces it, and when the control plane
   * stops: the executor then stops the run's process group and resolves with how it ended.
   */
  readonly signal: AbortSignal;
}

export interface JobRunOutcome {
  readonly exitCode: number | null;
  /** The signal that ended it, e.g. SIGTERM; null when it exited. */
  readonly signal: string | null;
  /** The last lines of its output (stdout and stderr), for the history. */
  readonly output: string;
}

/**
 * The execution seam: runs one attempt to completion with the service's release through the
 * environment's driver, and resolves with how it ended; rejects only when it could not start.
 */
export type StartJobRun = (request: JobRunRequest) => Promise<JobRunOutcome>;

/** A job in one environment where its service has a release. */
export interface ScheduledJob {
  readonly name: string;
  readonly environment: string;
  readonly spec: JobSpec;
  readonly service: DesiredService;
}

export interface JobView {
  readonly name: string;
  readonly environment: string;
  readonly service: string;
  readonly schedule: string;
  readonly timezone: string;
  readonly concurrency: JobSpec['concurrency'];
  /** The last run (its latest attempt), or null before the first. */
  readonly lastRun: JobRunRecord | null;
  readonly running: number;
  readonly nextRunAt: number | null;
}

export interface JobSchedulerDeps {
  readonly store: JobRunStore;
  readonly clock: Clock;
  readonly startJobRun: StartJobRun;
  /** The jobs to schedule now (read at every tick: an apply changes them). */
  readonly jobs: () => readonly ScheduledJob[];
  readonly emit: (event: NewEvent) => void;
}

interface ActiveRun {
  readonly record: JobRunRecord;
  readonly job: ScheduledJob;
  readonly controller: AbortController;
  /** Set when Skiff ends it: how the run is then recorded, whatever its exit. */
  ending: { readonly status: JobRunStatus; readonly reason: string } | null;
  readonly done: Promise<void>;
}

const outputKeptBytes = 4096;

export class JobScheduler {
  private readonly active = new Map<number, ActiveRun>();
  private readonly schedules = new Map<string, Schedule>();
  private closing = false;

  constructor(private readonly deps: JobSchedulerDeps) {}

  /** Runs an earlier control plane left running are recorded as lost: nothing here watches them. */
  recoverLost(): number {
    const left = this.deps.store.running();
    for (const run of left) {
      this.deps.store.finish(run.id, {
        status: 'lost',
        finishedAt: this.deps.clock.now(),
        exitCode: null,
        reason: 'the control plane stopped while it ran; its end was not seen',
        output: run.output,
      });
      this.event(run, 'job.lost', `job ${run.job} run ${run.id} in ${run.environment} was lost: the control plane stopped while it ran`);
    }
    return left.length;
  }

  tick(): void {
    if (this.closing) return;
    const now = this.deps.clock.now();
    for (const run of this.active.values()) {
      if (run.ending === null && run.record.startedAt !== null && now - run.record.startedAt >= run.job.spec.timeout) {
        this.end(run, { status: 'timed-out', reason: `ran longer than its timeout of ${run.job.spec.timeout} ms` });
      }
    }
    for (const job of this.deps.jobs()) this.step(job, now);
  }

  private step(job: ScheduledJob, now: number): void {
    const cursor = this.deps.store.cursor(job.name, job.environment);
    // A job seen for the first time starts counting from now: no catch-up of times before it existed.
    if (cursor === null) return this.deps.store.setCursor(job.name, job.environment, now);
    const running = [...this.active.values()].filter((run) => run.ending === null && sameJob(run.job, job)).map((run) => run.record.id);
    const decision = planJob({
      schedule: this.schedule(job.spec),
      concurrency: job.spec.concurrency,
      startingDeadlineMs: job.spec.startingDeadline ?? null,
      cursor,
      running,
      now,
    });
    if (decision.kind === 'wait') return;
    this.deps.store.setCursor(job.name, job.environment, decision.scheduledAt);
    if (decision.kind === 'skip') {
      const reason =
        decision.reason === 'missed'
          ? `missed: the control plane saw its time ${Math.round((now - decision.scheduledAt) / 1000)} s late, past the starting deadline`
          : `skipped: run ${running.join(', ')} still runs (concurrency: forbid)`;
      const record = this.deps.store.create({
        job: job.name,
        environment: job.environment,
        service: job.service.name,
        release: job.service.release,
        scheduledAt: decision.scheduledAt,
        attempt: 0,
        startedAt: null,
        finishedAt: now,
        status: decision.reason === 'missed' ? 'missed' : 'skipped',
        reason,
      });
      this.event(record, `job.${record.status}`, `job ${job.name} in ${job.environment} ${reason}`);
      return;
    }
    for (const id of decision.replace) {
      const run = this.active.get(id);
      if (run) this.end(run, { status: 'replaced', reason: `replaced by the run of ${new Date(decision.scheduledAt).toISOString()} (concurrency: replace)` });
    }
    this.launch(job, decision.scheduledAt, 1);
  }

  private launch(job: ScheduledJob, scheduledAt: number, attempt: number): void {
    const record = this.deps.store.create({
      job: job.name,
      environment: job.environment,
      service: job.service.name,
      release: job.service.release,
      scheduledAt,
      attempt,
      startedAt: this.deps.clock.now(),
      status: 'running',
      reason: null,
    });
    const controller = new AbortController();
    const run: ActiveRun = {
      record,
      job,
      controller,
      ending: null,
      done: this.deps
        .startJobRun({ runId: record.id, job: job.name, environment: job.environment, service: job.service, command: job.spec.command, scheduledAt, attempt, signal: controller.signal })
        .then(
          (outcome) => this.finish(run, outcome, null),
          (error: unknown) => this.finish(run, { exitCode: null, signal: null, output: '' }, `could not start: ${error instanceof Error ? error.message : String(error)}`),
        ),
    };
    this.active.set(record.id, run);
    this.event(record, 'job.started', `job ${job.name} run ${record.id} started in ${job.environment} (attempt ${attempt}): ${job.spec.command.join(' ')}`);
  }

  private end(run: ActiveRun, ending: NonNullable<ActiveRun['ending']>): void {
    run.ending = ending;
    run.controller.abort();
  }

  private finish(run: ActiveRun, outcome: JobRunOutcome, startError: string | null): void {
    this.active.delete(run.record.id);
    const status: JobRunStatus = run.ending?.status ?? (startError === null && outcome.exitCode === 0 ? 'succeeded' : 'failed');
    const exit = outcome.signal !== null ? `killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
    const reason = run.ending?.reason ?? startError ?? (status === 'succeeded' ? null : exit);
    this.deps.store.finish(run.record.id, { status, finishedAt: this.deps.clock.now(), exitCode: outcome.exitCode, reason, output: outcome.output.slice(-outputKeptBytes) });
    const { job } = run;
    const again = !this.closing && shouldRetry(status, run.record.attempt, job.spec.retries);
    const verdict = status === 'succeeded' ? 'succeeded' : `${status}: ${reason}`;
    const type = status === 'succeeded' ? 'job.succeeded' : isFailure(status) ? 'job.failed' : `job.${status}`;
    this.event(run.record, type, `job ${job.name} run ${run.record.id} in ${job.environment} ${verdict}${again ? ' (trying again)' : ''}`);
    if (again) this.launch(job, run.record.scheduledAt, run.record.attempt + 1);
  }

  /** Every job with its last run and next time; `environment` narrows to one. */
  views(environment?: string): JobView[] {
    const now = this.deps.clock.now();
    return this.deps
      .jobs()
      .filter((job) => environment === undefined || job.environment === environment)
      .map((job) => {
        const cursor = this.deps.store.cursor(job.name, job.environment) ?? now;
        return {
          name: job.name,
          environment: job.environment,
          service: job.service.name,
          schedule: job.spec.schedule,
          timezone: job.spec.timezone,
          concurrency: job.spec.concurrency,
          lastRun: this.deps.store.list({ job: job.name, environment: job.environment, limit: 1 })[0] ?? null,
          running: [...this.active.values()].filter((run) => sameJob(run.job, job)).length,
          nextRunAt: this.schedule(job.spec).nextAfter(Math.max(cursor, now)),
        };
      });
  }

  /** Stops every run (recorded as lost: the control plane went away under it) and waits for them to end. */
  async close(): Promise<void> {
    this.closing = true;
    const runs = [...this.active.values()];
    for (const run of runs) this.end(run, { status: 'lost', reason: 'stopped with the control plane' });
    await Promise.all(runs.map((run) => run.done));
  }

  private schedule(spec: JobSpec): Schedule {
    const key = `${spec.schedule}\n${spec.timezone}`;
    let schedule = this.schedules.get(key);
    if (!schedule) {
      schedule = compileSchedule(spec.schedule, spec.timezone);
      this.schedules.set(key, schedule);
    }
    return schedule;
  }

  private event(run: Pick<JobRunRecord, 'id' | 'job' | 'environment' | 'service' | 'status' | 'scheduledAt' | 'attempt'>, type: string, message: string): void {
    this.deps.emit({
      type,
      environment: run.environment,
      service: run.service,
      actor: 'scheduler',
      message,
      data: { job: run.job, run: run.id, status: run.status, scheduledAt: new Date(run.scheduledAt).toISOString(), attempt: run.attempt },
    });
  }
}

/** For `jobFailed(name)`: 1 when the job's latest finished run in the environment failed, 0 when it succeeded, null before any. */
export function lastRunFailed(store: Pick<JobRunStore, 'lastFinished'>, environment: string, job: string): number | null {
  const last = store.lastFinished(job, environment);
  return last === null ? null : isFailure(last.status) ? 1 : 0;
}

function sameJob(a: ScheduledJob, b: ScheduledJob): boolean {
  return a.name === b.name && a.environment === b.environment;
}
