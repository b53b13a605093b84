import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../core/access-records.js';
import { auditArchivePath, verifyAuditArchive } from './audit-archive.js';
import { auditArchiveHead, createAuditStore } from './audit-store.js';
import { applyRetention } from './retention.js';
import { createSqliteStore, openDatabase } from './sqlite-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const dayMs = 24 * 60 * 60 * 1000;
const change = (n: number): NewAuditEntry => ({
  actor: 'ana',
  role: 'admin',
  method: 'POST',
  route: '/api/v1/apply',
  params: {},
  summary: `apply ${n}`,
  address: '127.0.0.1',
  status: 200,
  code: null,
});

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-retention-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => now };
  const store = createSqliteStore(db, clock);
  const audit = createAuditStore(db, clock);
  const options = { events: { maxAgeMs: 30 * dayMs, maxRows: 5 }, audit: { maxAgeMs: 30 * dayMs, maxRows: 5 }, archiveFile: auditArchivePath(dir) };
  return { db, store, audit, options, clock, advance: (ms: number) => (now += ms) };
}

describe('retention of events and audit', () => {
  it('deletes events and audit rows past their age, archiving the audit rows to a chain that verifies', () => {
    const { db, store, audit, options, clock, advance } = setup();
    for (let i = 0; i < 3; i++) (store.appendEvent({ type: 'old', message: `old ${i}` }), audit.append(change(i)));
    advance(31 * dayMs);
    for (let i = 3; i < 5; i++) (store.appendEvent({ type: 'new', message: `new ${i}` }), audit.append(change(i)));

    expect(applyRetention(db, clock, options)).toEqual({ events: 3, audit: 3 });
    expect(store.events({ limit: 100 }).map((event) => event.type)).toEqual(['new', 'new']);
    expect(audit.list({ limit: 100 }).map((entry) => entry.summary)).toEqual(['apply 4', 'apply 3']);
    expect(verifyAuditArchive(options.archiveFile)).toEqual({ ok: true, lines: 3 });
    // Applied again, nothing more expires and the archive does not repeat a row.
    expect(applyRetention(db, clock, options)).toEqual({ events: 0, audit: 0 });
    advance(31 * dayMs);
    expect(applyRetention(db, clock, options)).toEqual({ events: 2, audit: 2 });
    const lines = fs.readFileSync(options.archiveFile, 'utf8').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { entry: { summary: string } }).entry.summary)).toEqual(['apply 0', 'apply 1', 'apply 2', 'apply 3', 'apply 4']);
    expect(verifyAuditArchive(options.archiveFile)).toEqual({ ok: true, lines: 5 });
    db.close();
  });

  it('keeps at most maxRows, the newest', () => {
    const { db, store, audit, options, clock } = setup();
    for (let i = 0; i < 12; i++) (store.appendEvent({ type: 't', message: String(i) }), audit.append(change(i)));
    expect(applyRetention(db, clock, options)).toEqual({ events: 7, audit: 7 });
    expect(store.events({ limit: 100 }).map((event) => event.message)).toEqual(['7', '8', '9', '10', '11']);
    expect(audit.list({ limit: 100 })).toHaveLength(5);
    expect(verifyAuditArchive(options.archiveFile)).toEqual({ ok: true, lines: 7 });
    db.close();
  });

  it('the archive fails to verify after a line is edited, removed or moved', () => {
    const { db, audit, options, clock } = setup();
    for (let i = 0; i < 12; i++) audit.append(change(i));
    applyRetention(db, clock, options);
    const original = fs.readFileSync(options.archiveFile, 'utf8');
    const lines = original.trim().split('\n');
    const variants: [string, number, string[]][] = [
      // The break shows on the line after the edited one, whose `prev` no longer matches.
      ['edited', 4, lines.map((line, i) => (i === 2 ? line.replace('apply 2', 'apply 9') : line))],
      ['removed', 3, lines.filter((_, i) => i !== 2)],
      ['moved', 1, [lines[1] as string, lines[0] as string, ...lines.slice(2)]],
      // The last line has no line after it: the head hash kept in the database protects it.
      ['last edited', 7, lines.map((line, i) => (i === 6 ? line.replace('apply 6', 'apply 9') : line))],
      ['last removed', 6, lines.slice(0, 6)],
    ];
    const head = auditArchiveHead(db);
    for (const [what, line, changed] of variants) {
      fs.writeFileSync(options.archiveFile, `${changed.join('\n')}\n`);
      expect(verifyAuditArchive(options.archiveFile, head), what).toMatchObject({ ok: false, line });
    }
    fs.writeFileSync(options.archiveFile, original);
    expect(verifyAuditArchive(options.archiveFile, head)).toEqual({ ok: true, lines: 7 });
    db.close();
  });

  it('the database refuses to delete an audit row that is not archived', () => {
    const { db, audit, options, clock } = setup();
    for (let i = 0; i < 7; i++) audit.append(change(i));
    applyRetention(db, clock, options);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow('only archived rows may be deleted');
    expect(() => db.prepare("UPDATE audit SET summary = 'x'").run()).toThrow('the audit log is append-only');
    expect(audit.list({ limit: 100 })).toHaveLength(5);
    db.close();
  });
});
