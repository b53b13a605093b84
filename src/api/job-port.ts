/**
 * The port the job routes serve, apart from the ControlPlane: `main/` wires the job scheduler
 * and its history to it. Its views are plain JSON (times as ISO strings).
 */
export type JobRunStatusView = 'running' | 'succeeded' | 'failed' | 'timed-out' | 'replaced' | 'lost' | 'skipped' | 'missed';

export interface JobRunView {
  readonly id: number;
  readonly job: string;
  readonly environment: string;
  readonly service: string;
  readonly release: string | null;
  readonly scheduledAt: string;
  readonly attempt: number;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly status: JobRunStatusView;
  readonly exitCode: number | null;
  readonly reason: string | null;
  /** The last lines of its output. */
  readonly output: string;
}

export interface JobSummary {
  readonly name: string;
  readonly environment: string;
  readonly service: string;
  readonly schedule: string;
  readonly timezone: string;
  readonly concurrency: 'forbid' | 'replace' | 'allow';
  readonly running: number;
  readonly lastRun: JobRunView | null;
  readonly nextRunAt: string | null;
}

export interface JobPort {
  /** The jobs of the latest revision in the environments where their service runs. */
  jobs(environment?: string): readonly JobSummary[];
  /** Newest first. */
  runs(query: { readonly job?: string; readonly environment?: string; readonly limit: number }): readonly JobRunView[];
}
