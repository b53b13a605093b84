/**
 * The audit log: one row per change asked of the API, and one row per client and minute for
 * refused requests (with their count), so that a flood of 401s cannot grow it without bound.
 * Append-only: triggers in the database refuse any update but a refusal row's count going up,
 * and any delete of a row that is not yet in the hash-chained archive (see audit-archive.ts).
 */
import type Database from 'better-sqlite3';
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../core/access-records.js';
import type { Clock } from '../core/clock.js';

export interface AuditStore {
  append(record: NewAuditEntry): AuditEntry;
  /** Counts a refused request (401/403) in the row of its client and minute, made on the first one. */
  appendRefusal(record: NewAuditEntry): void;
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
CREATE TABLE IF NOT EXISTS audit_archived (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  through_id INTEGER NOT NULL,
  head TEXT NOT NULL
);
DROP TRIGGER IF EXISTS audit_no_update;
DROP TRIGGER IF EXISTS audit_no_delete;
`;

/** After the columns added to older data directories exist. */
const guards = `
CREATE UNIQUE INDEX IF NOT EXISTS audit_by_bucket ON audit (bucket) WHERE bucket IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_by_time ON audit (time);
CREATE TRIGGER IF NOT EXISTS audit_count_only BEFORE UPDATE ON audit
  WHEN OLD.bucket IS NULL OR NEW.bucket IS NOT OLD.bucket OR NEW.count <= OLD.count OR NEW.id IS NOT OLD.id
    OR NEW.time IS NOT OLD.time OR NEW.actor IS NOT OLD.actor OR NEW.role IS NOT OLD.role OR NEW.method IS NOT OLD.method
    OR NEW.route IS NOT OLD.route OR NEW.params_json IS NOT OLD.params_json OR NEW.summary IS NOT OLD.summary
    OR NEW.address IS NOT OLD.address OR NEW.status IS NOT OLD.status OR NEW.code IS NOT OLD.code
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_delete_archived_only BEFORE DELETE ON audit
  WHEN OLD.id > COALESCE((SELECT through_id FROM audit_archived WHERE id = 1), 0)
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: only archived rows may be deleted'); END;
`;

const addedColumns = [
  { column: 'count', definition: 'INTEGER NOT NULL DEFAULT 1' },
  { column: 'bucket', definition: 'TEXT' },
] as const;

const minuteMs = 60_000;

/** A row of the audit table as SQLite returns it. */
export interface AuditRow {
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
  count: number;
}

function migrate(db: Database.Database): void {
  db.exec(ddl);
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(audit)').all();
  for (const added of addedColumns) {
    if (!columns.some((column) => column.name === added.column)) db.exec(`ALTER TABLE audit ADD COLUMN ${added.column} ${added.definition}`);
  }
  db.exec(guards);
}

function rowOf(record: NewAuditEntry, time: string): Omit<AuditRow, 'id' | 'count'> {
  return {
    time,
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
}

/** The hash of the archive's last line, as recorded when it was written (undefined: nothing archived). */
export function auditArchiveHead(db: Database.Database): string | undefined {
  return db.prepare<[], { head: string }>('SELECT head FROM audit_archived WHERE id = 1').get()?.head;
}

export function createAuditStore(db: Database.Database, clock: Clock): AuditStore {
  migrate(db);
  const insert = db.prepare(
    `INSERT INTO audit (time, actor, role, method, route, params_json, summary, address, status, code, count, bucket)
     VALUES (@time, @actor, @role, @method, @route, @params_json, @summary, @address, @status, @code, 1, @bucket)
     ON CONFLICT (bucket) WHERE bucket IS NOT NULL DO UPDATE SET count = count + 1`,
  );
  return {
    append(record) {
      const row = rowOf(record, new Date(clock.now()).toISOString());
      const info = insert.run({ ...row, bucket: null });
      return auditEntryOf({ ...row, id: Number(info.lastInsertRowid), count: 1 });
    },
    appendRefusal(record) {
      const now = clock.now();
      const minute = new Date(now - (now % minuteMs)).toISOString();
      // The client is its address and token (or none): a flood from one place is one row a minute.
      // A known caller's refusals also keep what was refused (one row per action and minute); an
      // unknown one's would let anyone write rows at will by varying the path.
      const what = record.actor === null || record.actor === undefined ? [] : [record.summary];
      const bucket = JSON.stringify([minute, record.address, record.actor ?? 'anonymous', record.status, ...what]);
      insert.run({ ...rowOf(record, new Date(now).toISOString()), bucket });
    },
    list(query) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (query.since !== undefined) (where.push('time >= ?'), params.push(new Date(query.since).toISOString()));
      if (query.who !== undefined) (where.push('actor = ?'), params.push(query.who));
      const limit = Math.min(Math.max(Math.trunc(query.limit), 1), 10_000);
      const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
      return db.prepare<(string | number)[], AuditRow>(sql).all(...params).map(auditEntryOf);
    },
  };
}

export function auditEntryOf(row: AuditRow): AuditEntry {
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
    count: row.count,
  };
}
