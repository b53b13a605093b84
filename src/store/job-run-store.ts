/**
 * The history of scheduled jobs, in the state store's SQLite database: one row per attempt of a
 * run (and per skipped or missed time), plus each job's cursor — the latest schedule time
 * already handled — so a restarted control plane neither repeats nor forgets a time.
 */
import type Database from 'better-sqlite3';

export type JobRunStatus = 'running' | 'succeeded' | 'failed' | 'timed-out' | 'replaced' | 'lost' | 'skipped' | 'missed';

export interface JobRunRecord {
  readonly id: number;
  readonly job: string;
  readonly environment: string;
  readonly service: string;
  readonly release: string | null;
  /** The schedule time it is for, epoch ms. */
  readonly scheduledAt: number;
  /** 1 for the first try, 2 for the first retry… (0 for a skipped or missed time). */
  readonly attempt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly status: JobRunStatus;
  readonly exitCode: number | null;
  /** Why it ended so, for people (a signal, a timeout, the running run it was skipped for). */
  readonly reason: string | null;
  /** The last lines of its output. */
  readonly output: string;
}

export type NewJobRun = Omit<JobRunRecord, 'id' | 'finishedAt' | 'exitCode' | 'output'> & Partial<Pick<JobRunRecord, 'finishedAt' | 'exitCode' | 'output'>>;

export interface JobRunStore {
  create(run: NewJobRun): JobRunRecord;
  finish(id: number, end: Pick<JobRunRecord, 'status' | 'finishedAt' | 'exitCode' | 'reason' | 'output'>): void;
  /** Newest first. */
  list(query: { readonly job?: string; readonly environment?: string; readonly limit: number }): JobRunRecord[];
  /** Every run still marked running (after a restart: runs of an earlier control plane). */
  running(): JobRunRecord[];
  /** The latest finished attempt (not skipped or missed) of the job in the environment. */
  lastFinished(job: string, environment: string): JobRunRecord | null;
  cursor(job: string, environment: string): number | null;
  setCursor(job: string, environment: string, scheduledAt: number): void;
}

const jobSchemaSql = `
CREATE TABLE IF NOT EXISTS job_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL,
  environment TEXT NOT NULL,
  service TEXT NOT NULL,
  release TEXT,
  scheduled_at INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  status TEXT NOT NULL,
  exit_code INTEGER,
  reason TEXT,
  output TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS job_runs_by_job ON job_runs (job, environment, id);
CREATE INDEX IF NOT EXISTS job_runs_running ON job_runs (status) WHERE status = 'running';
CREATE TABLE IF NOT EXISTS job_cursors (
  job TEXT NOT NULL,
  environment TEXT NOT NULL,
  scheduled_at INTEGER NOT NULL,
  PRIMARY KEY (job, environment)
);
`;

interface Row {
  id: number;
  job: string;
  environment: string;
  service: string;
  release: string | null;
  scheduled_at: number;
  attempt: number;
  started_at: number | null;
  finished_at: number | null;
  status: JobRunStatus;
  exit_code: number | null;
  reason: string | null;
  output: string;
}

function fromRow(row: Row): JobRunRecord {
  return {
    id: row.id,
    job: row.job,
    environment: row.environment,
    service: row.service,
    release: row.release,
    scheduledAt: row.scheduled_at,
    attempt: row.attempt,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    exitCode: row.exit_code,
    reason: row.reason,
    output: row.output,
  };
}

export function createJobRunStore(db: Database.Database): JobRunStore {
  db.exec(jobSchemaSql);
  const stmt = {
    insert: db.prepare(
      `INSERT INTO job_runs (job, environment, service, release, scheduled_at, attempt, started_at, finished_at, status, exit_code, reason, output)
       VALUES (@job, @environment, @service, @release, @scheduledAt, @attempt, @startedAt, @finishedAt, @status, @exitCode, @reason, @output)`,
    ),
    finish: db.prepare('UPDATE job_runs SET status = @status, finished_at = @finishedAt, exit_code = @exitCode, reason = @reason, output = @output WHERE id = @id'),
    get: db.prepare('SELECT * FROM job_runs WHERE id = ?'),
    list: db.prepare(
      'SELECT * FROM job_runs WHERE (@job IS NULL OR job = @job) AND (@environment IS NULL OR environment = @environment) ORDER BY id DESC LIMIT @limit',
    ),
    running: db.prepare("SELECT * FROM job_runs WHERE status = 'running' ORDER BY id"),
    lastFinished: db.prepare(
      "SELECT * FROM job_runs WHERE job = ? AND environment = ? AND status NOT IN ('running', 'skipped', 'missed') ORDER BY id DESC LIMIT 1",
    ),
    cursor: db.prepare('SELECT scheduled_at FROM job_cursors WHERE job = ? AND environment = ?'),
    setCursor: db.prepare(
      'INSERT INTO job_cursors (job, environment, scheduled_at) VALUES (?, ?, ?) ON CONFLICT (job, environment) DO UPDATE SET scheduled_at = excluded.scheduled_at',
    ),
  };
  return {
    create(run) {
      const id = Number(
        stmt.insert.run({ finishedAt: null, exitCode: null, output: '', ...run }).lastInsertRowid,
      );
      return fromRow(stmt.get.get(id) as Row);
    },
    finish(id, end) {
      stmt.finish.run({ id, ...end });
    },
    list: ({ job, environment, limit }) => (stmt.list.all({ job: job ?? null, environment: environment ?? null, limit }) as Row[]).map(fromRow),
    running: () => (stmt.running.all() as Row[]).map(fromRow),
    lastFinished(job, environment) {
      const row = stmt.lastFinished.get(job, environment) as Row | undefined;
      return row ? fromRow(row) : null;
    },
    cursor(job, environment) {
      const row = stmt.cursor.get(job, environment) as { scheduled_at: number } | undefined;
      return row?.scheduled_at ?? null;
    },
    setCursor(job, environment, scheduledAt) {
      stmt.setCursor.run(job, environment, scheduledAt);
    },
  };
}
