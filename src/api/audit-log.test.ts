import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAuditStore } from '../store/audit-store.js';
import { systemClock } from '../core/clock.js';
import { buildApp } from './app.js';
import { MemoryControlPlane } from './testing/memory-control-plane.js';
import { createTestAccess, injectWith, type TestAccess } from './testing/test-access.js';

let access: TestAccess;
let auditDb: Database.Database;
let app: FastifyInstance;

beforeEach(() => {
  access = createTestAccess();
  auditDb = new Database(':memory:');
  app = buildApp({ controlPlane: new MemoryControlPlane(), tokens: access.tokens, audit: createAuditStore(auditDb, systemClock), version: '1.0.0' });
});
afterEach(async () => {
  await app.close();
  access.close();
  if (auditDb.open) auditDb.close();
});

describe('audit log', () => {
  it('holds a change before the answer goes out, and answers SKIFF_AUDIT_FAILED when it cannot record it', async () => {
    const inject = injectWith(app, access.token('boss', 'admin'));
    const created = await inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'ci', role: 'viewer' } });
    expect(created.statusCode).toBe(201);
    expect((await inject('/api/v1/audit')).json()).toMatchObject([{ actor: 'boss', route: '/api/v1/tokens', status: 201 }]);

    auditDb.close();
    const unrecorded = await inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'ci-2', role: 'viewer' } });
    expect(unrecorded.statusCode).toBe(500);
    expect(unrecorded.json()).toMatchObject({ code: 'SKIFF_AUDIT_FAILED' });
    expect(unrecorded.json().message).toContain('POST /api/v1/tokens');
  });
});
