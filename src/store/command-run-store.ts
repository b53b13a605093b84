/**
 * Command runs (`skiff run`, release commands, job runs) in the same SQLite database as the state
 * store. A run is JSON owned by the module that runs it; the store indexes the few fields it is
 * looked up by. Runs are never deleted here: each one is a record of what was run, by whom.
 */
import type Database from 'better-sqlite3';
import { recordFromRow, recordJson } from './json-record.js';

/** The fields of a run the store reads; the rest is kept as it is given. */
export interface CommandRunFields {
  readonly id: number;
  readonly environment: string;
  readonly service: string;
  readonly kind: string;
  /** The release the command ran with, e.g. `v3`. */
  readonly release: string;
  readonly state: string;
}

export interface CommandRunQuery {
  readonly environment: string;
  readonly service?: string;
  readonly kind?: string;
  readonly release?: string;
  readonly limit: number;
}

export interface CommandRunStore<R extends CommandRunFields> {
  /** Saves a new run and returns it with its id (1, 2, 3, … in this database). */
  create(run: Omit<R, 'id'>): R;
  save(run: R): void;
  get(id: number): R | null;
  /** Newest first. */
  list(query: CommandRunQuery): R[];
  /** The environment's runs still `running` when last saved, oldest first. */
  running(environment: string): R[];
}

const commandRunSchemaSql = `
CREATE TABLE IF NOT EXISTS command_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  environment TEXT NOT NULL,
  service TEXT NOT NULL,
  kind TEXT NOT NULL,
  release TEXT NOT NULL,
  state TEXT NOT NULL,
  run_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS command_runs_service ON command_runs (environment, service, id);
CREATE INDEX IF NOT EXISTS command_runs_state ON command_runs (state);
`;

interface RunRow {
  id: number;
  run_json: string;
}

export function createCommandRunStore<R extends CommandRunFields>(db: Database.Database): CommandRunStore<R> {
  db.exec(commandRunSchemaSql);
  const stmt = {
    insert: db.prepare<{ environment: string; service: string; kind: string; release: string; state: string; run_json: string }>(
      `INSERT INTO command_runs (environment, service, kind, release, state, run_json)
       VALUES (@environment, @service, @kind, @release, @state, @run_json)`,
    ),
    update: db.prepare<{ id: number; state: string; run_json: string }>('UPDATE command_runs SET state = @state, run_json = @run_json WHERE id = @id'),
    get: db.prepare<[number], RunRow>('SELECT id, run_json FROM command_runs WHERE id = ?'),
    list: db.prepare<{ environment: string; service: string | null; kind: string | null; release: string | null; limit: number }, RunRow>(
      `SELECT id, run_json FROM command_runs
       WHERE environment = @environment AND (@service IS NULL OR service = @service)
         AND (@kind IS NULL OR kind = @kind) AND (@release IS NULL OR release = @release)
       ORDER BY id DESC LIMIT @limit`,
    ),
    running: db.prepare<[string], RunRow>("SELECT id, run_json FROM command_runs WHERE environment = ? AND state = 'running' ORDER BY id"),
  };
  const toRun = (row: RunRow): R => recordFromRow<R>(row.id, row.run_json);
  return {
    create(run) {
      const result = stmt.insert.run({
        environment: run.environment,
        service: run.service,
        kind: run.kind,
        release: run.release,
        state: run.state,
        run_json: recordJson<R>(run),
      });
      return { ...run, id: Number(result.lastInsertRowid) } as R;
    },
    save(run) {
      stmt.update.run({ id: run.id, state: run.state, run_json: recordJson<R>(run) });
    },
    get: (id) => {
      const row = stmt.get.get(id);
      return row ? toRun(row) : null;
    },
    list: (query) =>
      stmt.list
        .all({ environment: query.environment, service: query.service ?? null, kind: query.kind ?? null, release: query.release ?? null, limit: query.limit })
        .map(toRun),
    running: (environment) => stmt.running.all(environment).map(toRun),
  };
}
