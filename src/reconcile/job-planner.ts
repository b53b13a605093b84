/**
 * When a scheduled job runs: pure decisions over the schedule, the last schedule time already
 * handled (the cursor), the runs still going and the time. Only the latest due time is acted on:
 * a control plane that was down for a week runs a missed job once, not once per missed time.
 */
import type { Schedule } from '../spec/cron.js';
import type { JobConcurrency } from '../spec/schema-jobs.js';
import type { JobRunStatus } from '../store/job-run-store.js';

export interface JobPlanInput {
  readonly schedule: Schedule;
  readonly concurrency: JobConcurrency;
  /** A due time older than this when seen is missed instead of run; null: always run the latest. */
  readonly startingDeadlineMs: number | null;
  /** The latest schedule time already handled (started, skipped or missed), epoch ms. */
  readonly cursor: number;
  /** Runs of this job in this environment still going. */
  readonly running: readonly number[];
  readonly now: number;
}

export type JobDecision =
  | { readonly kind: 'wait' }
  /** `replace`: the running runs to stop first (concurrency: replace). */
  | { readonly kind: 'start'; readonly scheduledAt: number; readonly replace: readonly number[] }
  | { readonly kind: 'skip'; readonly scheduledAt: number; readonly reason: 'missed' | 'running' };

/** A schedule firing more often than this many times between two looks is looked at from nearer now. */
const maxSteps = 10_000;

/**
 * The latest schedule time in (cursor, now], or null. Looks back from now over a span that
 * doubles, so a long outage costs a few dozen steps, not one per missed time.
 */
export function latestDue(schedule: Schedule, cursor: number, now: number): number | null {
  if (now <= cursor) return null;
  for (let span = 1000; ; span *= 2) {
    const from = Math.max(cursor, now - span);
    let due = schedule.nextAfter(from);
    if (due !== null && due <= now) {
      for (let step = 0; step < maxSteps; step++) {
        const next = schedule.nextAfter(due);
        if (next === null || next > now) return due;
        due = next;
      }
      return due;
    }
    if (from === cursor) return null;
  }
}

export function planJob(input: JobPlanInput): JobDecision {
  const due = latestDue(input.schedule, input.cursor, input.now);
  if (due === null) return { kind: 'wait' };
  if (input.startingDeadlineMs !== null && input.now - due > input.startingDeadlineMs) return { kind: 'skip', scheduledAt: due, reason: 'missed' };
  if (input.running.length === 0) return { kind: 'start', scheduledAt: due, replace: [] };
  switch (input.concurrency) {
    case 'forbid':
      return { kind: 'skip', scheduledAt: due, reason: 'running' };
    case 'replace':
      return { kind: 'start', scheduledAt: due, replace: input.running };
    case 'allow':
      return { kind: 'start', scheduledAt: due, replace: [] };
  }
}


/** Whether a run that ended so is tried again: failures and timeouts, while attempts remain. */
export function shouldRetry(status: JobRunStatus, attempt: number, retries: number): boolean {
  return (status === 'failed' || status === 'timed-out') && attempt <= retries;
}

/** Whether the run's outcome counts as a failure of the job (for `jobFailed(name)`). */
export function isFailure(status: JobRunStatus): boolean {
  return status === 'failed' || status === 'timed-out' || status === 'lost';
}
