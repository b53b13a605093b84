/**
 * Pipeline runs in the same SQLite database as the state store. A run is JSON owned by the
 * pipeline module; the store indexes the few fields it is looked up by.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import { recordFromRow, recordJson } from './json-record.js';

/** The fields of a run the store reads; the rest is kept as it is given. */
export interface PipelineRunFields {
  readonly id: number;
  readonly pipeline: string;
  readonly service: string;
  readonly state: string;
  readonly createdAt: string;
}

export interface PipelineStore<R extends PipelineRunFields> {
  /** Saves a new run and returns it with its id (1, 2, 3, … in this database). */
  create(run: Omit<R, 'id'>): R;
  save(run: R): void;
  get(id: number): R | null;
  /** Newest first. */
  list(options: { readonly limit: number; readonly service?: string }): R[];
  /** Runs that are neither succeeded nor failed. */
  unfinished(): R[];
}

const pipelineSchemaSql = `
CREATE TABLE IF NOT EXISTS pipeline_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pipeline TEXT NOT NULL,
  service TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  run_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pipeline_runs_service ON pipeline_runs (service, id);
CREATE INDEX IF NOT EXISTS pipeline_runs_state ON pipeline_runs (state);
`;

interface RunRow {
  id: number;
  run_json: string;
}

export function createPipelineStore<R extends PipelineRunFields>(db: Database.Database, clock: Clock): PipelineStore<R> {
  db.exec(pipelineSchemaSql);
  const stmt = {
    insert: db.prepare<{ pipeline: string; service: string; state: string; created_at: string; updated_at: string; run_json: string }>(
      `INSERT INTO pipeline_runs (pipeline, service, state, created_at, updated_at, run_json)
       VALUES (@pipeline, @service, @state, @created_at, @updated_at, @run_json)`,
    ),
    update: db.prepare<{ id: number; state: string; updated_at: string; run_json: string }>(
      'UPDATE pipeline_runs SET state = @state, updated_at = @updated_at, run_json = @run_json WHERE id = @id',
    ),
    get: db.prepare<[number], RunRow>('SELECT id, run_json FROM pipeline_runs WHERE id = ?'),
    list: db.prepare<[number], RunRow>('SELECT id, run_json FROM pipeline_runs ORDER BY id DESC LIMIT ?'),
    listService: db.prepare<[string, number], RunRow>('SELECT id, run_json FROM pipeline_runs WHERE service = ? ORDER BY id DESC LIMIT ?'),
    unfinished: db.prepare<[], RunRow>("SELECT id, run_json FROM pipeline_runs WHERE state NOT IN ('succeeded', 'failed') ORDER BY id"),
  };
  const now = (): string => new Date(clock.now()).toISOString();
  const toRun = (row: RunRow): R => recordFromRow<R>(row.id, row.run_json);

  return {
    create(run) {
      const result = stmt.insert.run({
        pipeline: run.pipeline,
        service: run.service,
        state: run.state,
        created_at: run.createdAt,
        updated_at: now(),
        run_json: recordJson<R>(run),
      });
      return { ...run, id: Number(result.lastInsertRowid) } as R;
    },
    save(run) {
      stmt.update.run({ id: run.id, state: run.state, updated_at: now(), run_json: recordJson<R>(run) });
    },
    get: (id) => {
      const row = stmt.get.get(id);
      return row ? toRun(row) : null;
    },
    list: ({ limit, service }) => (service === undefined ? stmt.list.all(limit) : stmt.listService.all(service, limit)).map(toRun),
    unfinished: () => stmt.unfinished.all().map(toRun),
  };
}
