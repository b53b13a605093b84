/**
 * The audit log: one row per change asked of the API (and per refused request), append-only.
 * The store offers no update or delete, and triggers refuse them in the database itself.
 */
import type Database from 'better-sqlite3';
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../core/access-records.js';
import type { Clock } from '../core/clock.js';

export interface AuditStore {
  append(record: NewAuditEntry): AuditEntry;
  /** Newest first. */
  list(query: AuditQuery): AuditEntry[];
}

const ddl = `
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  actor TEXT,
  role TEXT,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  params_json TEXT NOT NULL,
  summary TEXT NOT NULL,
  address TEXT NOT NULL,
  status INTEGER NOT NULL,
  code TEXT
);
CREATE INDEX IF NOT EXISTS audit_by_actor ON audit (actor, id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

interface AuditRow {
  id: number;
  time: string;
  actor: string | null;
  role: string | null;
  method: string;
  route: string;
  params_json: string;
  summary: string;
  address: string;
  status: number;
  code: string | null;
}

export function createAuditStore(db: Database.Database, clock: Clock): AuditStore {
  db.exec(ddl);
  const insert = db.prepare(
    `INSERT INTO audit (time, actor, role, method, route, params_json, summary, address, status, code)
     VALUES (@time, @actor, @role, @method, @route, @params_json, @summary, @address, @status, @code)`,
  );
  return {
    append(record) {
      const row = {
        time: new Date(clock.now()).toISOString(),
        actor: record.actor,
        role: record.role,
        method: record.method,
        route: record.route,
        params_json: JSON.stringify(record.params),
        summary: record.summary,
        address: record.address,
        status: record.status,
        code: record.code,
      };
      const info = insert.run(row);
      return toRecord({ ...row, id: Number(info.lastInsertRowid) });
    },
    list(query) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (query.since !== undefined) (where.push('time >= ?'), params.push(new Date(query.since).toISOString()));
      if (query.who !== undefined) (where.push('actor = ?'), params.push(query.who));
      const limit = Math.min(Math.max(Math.trunc(query.limit), 1), 10_000);
      const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
      return db.prepare<(string | number)[], AuditRow>(sql).all(...params).map(toRecord);
    },
  };
}

function toRecord(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    time: row.time,
    actor: row.actor,
    role: row.role,
    method: row.method,
    route: row.route,
    params: JSON.parse(row.params_json) as Record<string, string>,
    summary: row.summary,
    address: row.address,
    status: row.status,
    code: row.code,
  };
}
