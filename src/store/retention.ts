/**
 * Retention of the events and the audit log, by age and by row count. Audit rows are archived
 * to the hash-chained file first (audit-archive.ts); the database refuses to delete any other.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import { appendToArchive } from './audit-archive.js';
import { auditEntryOf, type AuditRow } from './audit-store.js';

export interface RetentionPolicy {
  readonly maxAgeMs: number;
  readonly maxRows: number;
}

export interface RetentionOptions {
  readonly events: RetentionPolicy;
  readonly audit: RetentionPolicy;
  /** The audit archive file (auditArchivePath(dataDir)). */
  readonly archiveFile: string;
}

export interface RetentionResult {
  readonly events: number;
  readonly audit: number;
}

/** Rows archived at once: bounds the memory of a first run over a large table. */
const batchRows = 5_000;

/** The largest id that the policy expires in `table` (ids grow with time), or 0. */
function expiredThrough(db: Database.Database, table: 'events' | 'audit', policy: RetentionPolicy, now: number): number {
  const cutoff = new Date(now - policy.maxAgeMs).toISOString();
  const byAge = db.prepare<[string], { id: number | null }>(`SELECT MAX(id) AS id FROM ${table} WHERE time < ?`).get(cutoff)?.id ?? 0;
  const bySize = db.prepare<[number], { id: number }>(`SELECT id FROM ${table} ORDER BY id DESC LIMIT 1 OFFSET ?`).get(policy.maxRows)?.id ?? 0;
  return Math.max(byAge, bySize);
}

export function applyRetention(db: Database.Database, clock: Clock, options: RetentionOptions): RetentionResult {
  const now = clock.now();
  const eventsThrough = expiredThrough(db, 'events', options.events, now);
  const events = eventsThrough > 0 ? db.prepare('DELETE FROM events WHERE id <= ?').run(eventsThrough).changes : 0;
  const auditThrough = expiredThrough(db, 'audit', options.audit, now);
  let audit = 0;
  const batch = db.prepare<[number], AuditRow>(`SELECT * FROM audit WHERE id <= ? ORDER BY id LIMIT ${batchRows}`);
  const markArchived = db.prepare(
    'INSERT INTO audit_archived (id, through_id, head) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET through_id = excluded.through_id, head = excluded.head',
  );
  const remove = db.prepare('DELETE FROM audit WHERE id <= ?');
  const forget = db.transaction((through: number, head: string) => {
    markArchived.run(through, head);
    return remove.run(through).changes;
  });
  for (let rows = batch.all(auditThrough); rows.length > 0; rows = batch.all(auditThrough)) {
    const head = appendToArchive(options.archiveFile, rows.map(auditEntryOf));
    audit += forget(rows[rows.length - 1]?.id ?? 0, head);
  }
  return { events, audit };
}

/** Applies retention now and then every `intervalMs`; returns the function that stops it. */
export function scheduleRetention(run: () => void, intervalMs: number, onError: (error: unknown) => void): () => void {
  const tick = (): void => {
    try {
      run();
    } catch (error) {
      onError(error);
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
