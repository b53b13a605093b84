/** How a scheduled job's runs read on the dashboard. Pure, so it is tested in node. */
import type { JobRunView, JobSummary } from '../../api/job-port.js';

/** `succeeded`, `failed (exit 3)`, `running`: the exit code only where it explains a failure. */
export function runResult(run: Pick<JobRunView, 'status' | 'exitCode'>): string {
  return run.exitCode !== null && run.status !== 'succeeded' ? `${run.status} (exit ${run.exitCode})` : run.status;
}

/** A job's state in one word, for its badge: running while a run is under way, else its last result. */
export function jobState(job: { readonly running: number; readonly lastRun: Pick<JobRunView, 'status'> | null }): string {
  if (job.running > 0) return 'running';
  return job.lastRun?.status ?? 'pending';
}

/** Jobs are listed per environment, so one key names a job in one environment. */
export function jobKey(job: Pick<JobSummary, 'environment' | 'name'>): string {
  return `${job.environment}/${job.name}`;
}
