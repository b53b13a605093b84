/**
 * Deployments (one service's move from one release to another) and parallel runs, in the same
 * SQLite database as the state store. A record is JSON owned by the deployment controller; the
 * store indexes the few fields it is looked up by.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import { recordFromRow, recordJson } from './json-record.js';

/** The fields of a deployment the store reads; the rest is kept as it is given. */
export interface DeploymentFields {
  readonly id: number;
  readonly environment: string;
  readonly service: string;
  /** Null while the deployment is under way. */
  readonly finishedAt: number | null;
}

/** The fields of a parallel run the store reads. */
export interface ParallelRunFields {
  readonly environment: string;
  readonly service: string;
}

export interface DeploymentStore<D extends DeploymentFields, P extends ParallelRunFields> {
  /** Saves a new deployment and returns it with its id. */
  create(deployment: Omit<D, 'id'>): D;
  save(deployment: D): void;
  get(id: number): D | null;
  /** Deployments under way in an environment, oldest first. */
  active(environment: string): D[];
  /** The newest deployment of a service (under way or finished). */
  latest(environment: string, service: string): D | null;
  /** Newest first. */
  list(environment: string, service: string, limit: number): D[];

  /** The parallel run of a service, if one is under way. */
  parallelRun(environment: string, service: string): P | null;
  parallelRuns(environment: string): P[];
  putParallelRun(run: P): void;
  deleteParallelRun(environment: string, service: string): void;
}

const schemaSql = `
CREATE TABLE IF NOT EXISTS deployments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  environment TEXT NOT NULL,
  service TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deployment_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deployments_by_service ON deployments (environment, service, id);
CREATE INDEX IF NOT EXISTS deployments_active ON deployments (environment, active);
CREATE TABLE IF NOT EXISTS parallel_runs (
  environment TEXT NOT NULL,
  service TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  run_json TEXT NOT NULL,
  PRIMARY KEY (environment, service)
);
`;

interface DeploymentRow {
  id: number;
  deployment_json: string;
}

export function createDeploymentStore<D extends DeploymentFields, P extends ParallelRunFields>(
  db: Database.Database,
  clock: Clock,
): DeploymentStore<D, P> {
  db.exec(schemaSql);
  const stmt = {
    insert: db.prepare<{ environment: string; service: string; active: number; created_at: string; updated_at: string; deployment_json: string }>(
      `INSERT INTO deployments (environment, service, active, created_at, updated_at, deployment_json)
       VALUES (@environment, @service, @active, @created_at, @updated_at, @deployment_json)`,
    ),
    update: db.prepare<{ id: number; active: number; updated_at: string; deployment_json: string }>(
      'UPDATE deployments SET active = @active, updated_at = @updated_at, deployment_json = @deployment_json WHERE id = @id',
    ),
    get: db.prepare<[number], DeploymentRow>('SELECT id, deployment_json FROM deployments WHERE id = ?'),
    active: db.prepare<[string], DeploymentRow>('SELECT id, deployment_json FROM deployments WHERE environment = ? AND active = 1 ORDER BY id'),
    list: db.prepare<[string, string, number], DeploymentRow>(
      'SELECT id, deployment_json FROM deployments WHERE environment = ? AND service = ? ORDER BY id DESC LIMIT ?',
    ),
    parallelRun: db.prepare<[string, string], { run_json: string }>('SELECT run_json FROM parallel_runs WHERE environment = ? AND service = ?'),
    parallelRuns: db.prepare<[string], { run_json: string }>('SELECT run_json FROM parallel_runs WHERE environment = ? ORDER BY service'),
    putParallelRun: db.prepare<{ environment: string; service: string; updated_at: string; run_json: string }>(
      `INSERT INTO parallel_runs (environment, service, updated_at, run_json) VALUES (@environment, @service, @updated_at, @run_json)
       ON CONFLICT (environment, service) DO UPDATE SET updated_at = excluded.updated_at, run_json = excluded.run_json`,
    ),
    deleteParallelRun: db.prepare<[string, string]>('DELETE FROM parallel_runs WHERE environment = ? AND service = ?'),
  };
  const now = (): string => new Date(clock.now()).toISOString();
  const toDeployment = (row: DeploymentRow): D => recordFromRow<D>(row.id, row.deployment_json);

  return {
    create(deployment) {
      const result = stmt.insert.run({
        environment: deployment.environment,
        service: deployment.service,
        active: deployment.finishedAt === null ? 1 : 0,
        created_at: now(),
        updated_at: now(),
        deployment_json: recordJson<D>(deployment),
      });
      return { ...deployment, id: Number(result.lastInsertRowid) } as D;
    },
    save(deployment) {
      stmt.update.run({ id: deployment.id, active: deployment.finishedAt === null ? 1 : 0, updated_at: now(), deployment_json: recordJson<D>(deployment) });
    },
    get(id) {
      const row = stmt.get.get(id);
      return row ? toDeployment(row) : null;
    },
    active: (environment) => stmt.active.all(environment).map(toDeployment),
    latest(environment, service) {
      const row = stmt.list.get(environment, service, 1);
      return row ? toDeployment(row) : null;
    },
    list: (environment, service, limit) => stmt.list.all(environment, service, limit).map(toDeployment),
    parallelRun(environment, service) {
      const row = stmt.parallelRun.get(environment, service);
      return row ? (JSON.parse(row.run_json) as P) : null;
    },
    parallelRuns: (environment) => stmt.parallelRuns.all(environment).map((row) => JSON.parse(row.run_json) as P),
    putParallelRun(run) {
      stmt.putParallelRun.run({ environment: run.environment, service: run.service, updated_at: now(), run_json: JSON.stringify(run) });
    },
    deleteParallelRun(environment, service) {
      stmt.deleteParallelRun.run(environment, service);
    },
  };
}
