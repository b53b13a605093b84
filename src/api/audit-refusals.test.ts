import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/sqlite-store.js';
import { buildApp } from './app.js';
import { MemoryControlPlane } from './testing/memory-control-plane.js';
import { createTestAccess, type TestAccess } from './testing/test-access.js';

let dir: string;
let db: Database.Database;
let access: TestAccess;
let app: FastifyInstance;
let now = Date.parse('2026-11-26T10:00:05Z');

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-refusals-'));
  db = openDatabase(dir);
  access = createTestAccess({ database: db, clock: { now: () => now } });
  app = buildApp({ controlPlane: new MemoryControlPlane(), tokens: access.tokens, audit: access.audit, version: '9.9.9' });
  await app.ready();
});

afterEach(async () => {
  await app.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rows = (): number => db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM audit').get()?.n ?? 0;

describe('refused requests in the audit log', () => {
  it('10,000 unauthenticated requests add one row per client and minute, with their count', async () => {
    const requests = [
      { method: 'GET', url: '/api/v1/revisions' },
      { method: 'POST', url: '/api/v1/apply' },
      { method: 'GET', url: '/api/v1/tokens' },
      { method: 'DELETE', url: '/api/v1/tokens/ana' },
    ] as const;
    for (let i = 0; i < 10_000; i++) {
      const response = await app.inject({ ...requests[i % requests.length], ...(i % 3 ? { remoteAddress: '127.0.0.2' } : {}) });
      expect(response.statusCode).toBe(401);
    }
    // Two clients (127.0.0.1 and 127.0.0.2), both anonymous, in one minute.
    expect(rows()).toBeLessThanOrEqual(2);
    const counted = access.audit.list({ limit: 100 }).reduce((sum, entry) => sum + entry.count, 0);
    expect(counted).toBe(10_000);
    now += 60_000;
    await app.inject({ url: '/api/v1/revisions' });
    expect(rows()).toBe(3);
  });

  it('GET /api/v1/audit shows a refusal row with its count, the token named, apart from other clients', async () => {
    const viewer = access.token('vic', 'viewer');
    for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/api/v1/apply', headers: { authorization: `Bearer ${viewer}` }, payload: {} });
    await app.inject({ url: '/api/v1/revisions' });
    const admin = access.token('ana');
    const entries = (await app.inject({ url: '/api/v1/audit', headers: { authorization: `Bearer ${admin}` } })).json() as { actor: string | null; status: number; count: number; summary: string }[];
    expect(entries).toEqual([
      expect.objectContaining({ actor: null, status: 401, count: 1 }),
      expect.objectContaining({ actor: 'vic', status: 403, count: 3, summary: expect.stringContaining('apply') }),
    ]);
  });
});
