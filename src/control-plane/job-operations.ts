/** The JobPort over the scheduler and the run history: views with ISO times. */
import type { JobPort, JobRunView, JobSummary } from '../api/job-port.js';
import type { JobScheduler } from '../reconcile/job-scheduler.js';
import type { JobRunRecord, JobRunStore } from '../store/job-run-store.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function jobRunView(run: JobRunRecord): JobRunView {
  return { ...run, scheduledAt: new Date(run.scheduledAt).toISOString(), startedAt: iso(run.startedAt), finishedAt: iso(run.finishedAt) };
}

export class JobOperations implements JobPort {
  constructor(private readonly deps: { readonly scheduler: JobScheduler; readonly store: JobRunStore }) {}

  jobs(environment?: string): JobSummary[] {
    return this.deps.scheduler.views(environment).map((view) => ({
      ...view,
      lastRun: view.lastRun ? jobRunView(view.lastRun) : null,
      nextRunAt: iso(view.nextRunAt),
    }));
  }

  runs(query: { readonly job?: string; readonly environment?: string; readonly limit: number }): JobRunView[] {
    return this.deps.store.list(query).map(jobRunView);
  }
}
