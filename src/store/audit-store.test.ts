import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../core/access-records.js';
import { createAuditStore } from './audit-store.js';
import { openDatabase } from './sqlite-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const entry = (actor: string | null, status = 200): NewAuditEntry => ({
  actor,
  role: actor === null ? null : 'admin',
  method: 'POST',
  route: '/api/v1/environments/:env/services/:service/scale',
  params: { env: 'dev', service: 'web' },
  summary: 'scale web in dev to 2 instances',
  address: '127.0.0.1',
  status,
  code: status === 200 ? null : 'SKIFF_FORBIDDEN',
});

describe('audit store', () => {
  it('appends entries and lists them newest first, by time and actor', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-audit-'));
    dirs.push(dir);
    const db = openDatabase(dir);
    let now = Date.parse('2026-11-26T10:00:00Z');
    const audit = createAuditStore(db, { now: () => now });
    expect(audit.append(entry('ana'))).toMatchObject({ id: 1, time: '2026-11-26T10:00:00.000Z', actor: 'ana', params: { env: 'dev', service: 'web' } });
    now += 60_000;
    audit.append(entry('bo', 403));
    now += 60_000;
    audit.append(entry(null, 401));
    expect(audit.list({ limit: 10 }).map((e) => e.actor)).toEqual([null, 'bo', 'ana']);
    expect(audit.list({ limit: 1 })).toHaveLength(1);
    expect(audit.list({ limit: 10, who: 'bo' })).toMatchObject([{ status: 403, code: 'SKIFF_FORBIDDEN' }]);
    expect(audit.list({ limit: 10, since: '2026-11-26T10:01:00Z' }).map((e) => e.id)).toEqual([3, 2]);
    db.close();
  });

  it('is append-only in the database itself: an update or a delete is refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-audit-'));
    dirs.push(dir);
    const db = openDatabase(dir);
    const audit = createAuditStore(db, { now: () => 0 });
    audit.append(entry('ana'));
    expect(() => db.prepare("UPDATE audit SET actor = 'mallory'").run()).toThrow('the audit log is append-only');
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow('the audit log is append-only');
    // Opening it again keeps the triggers (they are created only when missing).
    createAuditStore(db, { now: () => 0 });
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow('the audit log is append-only');
    expect(audit.list({ limit: 10 })).toMatchObject([{ actor: 'ana' }]);
    db.close();
  });
});
