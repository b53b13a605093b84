/**
 * Run-time flag changes in SQLite: every change is a revision (who, when, what, the flag before
 * and after), and the latest revision of a flag says which definition is in force. Also the
 * per-environment evaluation token instances get, kept so it survives a restart.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import type { FlagAction, FlagRevision } from '../spec/flag-revision.js';
import type { FlagSpec } from '../spec/schema.js';

export interface NewFlagRevision {
  readonly environment: string;
  readonly flag: string;
  readonly action: FlagAction;
  readonly actor: string;
  readonly summary: string;
  readonly before: FlagSpec;
  readonly after: FlagSpec;
  readonly runtime: boolean;
}

export interface EvaluationToken {
  readonly name: string;
  readonly token: string;
}

export interface FlagStore {
  record(revision: NewFlagRevision): FlagRevision;
  /** The run-time definitions in force in the environment (flags whose latest revision is not a reset). */
  runtimeFlags(environment: string): Map<string, FlagSpec>;
  /** A flag's revisions in the environment, newest first. */
  revisions(environment: string, flag: string, limit: number): FlagRevision[];
  evaluationToken(environment: string): EvaluationToken | null;
  saveEvaluationToken(environment: string, token: EvaluationToken): void;
}

const ddl = `
CREATE TABLE IF NOT EXISTS flag_revisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  environment TEXT NOT NULL,
  flag TEXT NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  time TEXT NOT NULL,
  summary TEXT NOT NULL,
  before_json TEXT NOT NULL,
  after_json TEXT NOT NULL,
  runtime INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS flag_revisions_by_flag ON flag_revisions (environment, flag, id);
CREATE TABLE IF NOT EXISTS flag_evaluation_tokens (
  environment TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token TEXT NOT NULL
);
`;

interface RevisionRow {
  id: number;
  environment: string;
  flag: string;
  action: string;
  actor: string;
  time: string;
  summary: string;
  before_json: string;
  after_json: string;
  runtime: number;
}

export function createFlagStore(db: Database.Database, clock: Clock): FlagStore {
  db.exec(ddl);
  const stmt = {
    insert: db.prepare(
      `INSERT INTO flag_revisions (environment, flag, action, actor, time, summary, before_json, after_json, runtime)
       VALUES (@environment, @flag, @action, @actor, @time, @summary, @before_json, @after_json, @runtime)`,
    ),
    byId: db.prepare<[number], RevisionRow>('SELECT * FROM flag_revisions WHERE id = ?'),
    latestPerFlag: db.prepare<[string], RevisionRow>(
      `SELECT * FROM flag_revisions WHERE id IN (SELECT MAX(id) FROM flag_revisions WHERE environment = ? GROUP BY flag)`,
    ),
    ofFlag: db.prepare<[string, string, number], RevisionRow>('SELECT * FROM flag_revisions WHERE environment = ? AND flag = ? ORDER BY id DESC LIMIT ?'),
    token: db.prepare<[string], { name: string; token: string }>('SELECT name, token FROM flag_evaluation_tokens WHERE environment = ?'),
    saveToken: db.prepare<[string, string, string]>('INSERT OR REPLACE INTO flag_evaluation_tokens (environment, name, token) VALUES (?, ?, ?)'),
  };
  return {
    record(revision) {
      const { lastInsertRowid } = stmt.insert.run({
        environment: revision.environment,
        flag: revision.flag,
        action: revision.action,
        actor: revision.actor,
        time: new Date(clock.now()).toISOString(),
        summary: revision.summary,
        before_json: JSON.stringify(revision.before),
        after_json: JSON.stringify(revision.after),
        runtime: revision.runtime ? 1 : 0,
      });
      return toRevision(stmt.byId.get(Number(lastInsertRowid)) as RevisionRow);
    },
    runtimeFlags(environment) {
      const flags = new Map<string, FlagSpec>();
      for (const row of stmt.latestPerFlag.all(environment)) if (row.runtime === 1) flags.set(row.flag, JSON.parse(row.after_json) as FlagSpec);
      return flags;
    },
    revisions: (environment, flag, limit) => stmt.ofFlag.all(environment, flag, limit).map(toRevision),
    evaluationToken: (environment) => stmt.token.get(environment) ?? null,
    saveEvaluationToken(environment, token) {
      stmt.saveToken.run(environment, token.name, token.token);
    },
  };
}

function toRevision(row: RevisionRow): FlagRevision {
  return {
    id: row.id,
    environment: row.environment,
    flag: row.flag,
    action: row.action as FlagAction,
    actor: row.actor,
    time: row.time,
    summary: row.summary,
    before: JSON.parse(row.before_json) as FlagSpec,
    after: JSON.parse(row.after_json) as FlagSpec,
    runtime: row.runtime === 1,
  };
}
