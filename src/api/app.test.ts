import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { MemoryControlPlane } from './testing/memory-control-plane.js';
import { invalidSpecText, validSpecText } from './testing/spec-fixtures.js';
import { createTestAccess, injectWith, type Inject, type TestAccess } from './testing/test-access.js';

const source = { text: validSpecText, file: 'skiff.yaml', baseDir: '/srv/shop' };

let controlPlane: MemoryControlPlane;
let app: FastifyInstance;
let access: TestAccess;
/** As the admin "ana". */
let inject: Inject;

beforeEach(async () => {
  controlPlane = new MemoryControlPlane();
  access = createTestAccess();
  app = buildApp({ controlPlane, tokens: access.tokens, audit: access.audit, version: '9.9.9' });
  inject = injectWith(app, access.token('ana'));
  await app.ready();
});
afterEach(async () => {
  await app.close();
  access.close();
});

async function apply(): Promise<void> {
  const response = await inject({ method: 'POST', url: '/api/v1/apply', payload: { ...source, author: 'ana' } });
  expect(response.statusCode).toBe(200);
}

describe('health', () => {
  it('answers ok with the version, without a token', async () => {
    const response = await app.inject('/api/v1/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, version: '9.9.9' });
  });
});

describe('validate and apply', () => {
  it('validate answers 200 for a valid and an invalid spec', async () => {
    const good = await inject({ method: 'POST', url: '/api/v1/validate', payload: source });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({ valid: true, services: ['catalog', 'web'], environments: ['dev', 'prod'] });

    const bad = await inject({ method: 'POST', url: '/api/v1/validate', payload: { ...source, text: invalidSpecText } });
    expect(bad.statusCode).toBe(200);
    expect(bad.json().valid).toBe(false);
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['services.catalog.instances', 'services.web']),
    );
  });

  it('apply saves a revision, and reports no change for the same text', async () => {
    const first = await inject({ method: 'POST', url: '/api/v1/apply', payload: { ...source, author: 'ana', message: 'first' } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ changed: true, environments: ['dev', 'prod'], revision: { id: 1, author: 'ana', message: 'first' } });

    const again = await inject({ method: 'POST', url: '/api/v1/apply', payload: source });
    expect(again.json()).toMatchObject({ changed: false, revision: { id: 1 } });
  });

  it('apply answers 422 with every spec error for an invalid spec', async () => {
    const response = await inject({ method: 'POST', url: '/api/v1/apply', payload: { ...source, text: invalidSpecText } });
    expect(response.statusCode).toBe(422);
    const body = response.json();
    expect(body.code).toBe('SKIFF_SPEC_INVALID');
    expect(typeof body.message).toBe('string');
    expect(body.details.length).toBeGreaterThanOrEqual(2);
    expect(body.details[0]).toMatchObject({ code: expect.stringMatching(/^SKIFF_SPEC_/), message: expect.any(String) });
  });
});

describe('request validation', () => {
  it('names the missing and wrongly typed body fields', async () => {
    const response = await inject({ method: 'POST', url: '/api/v1/apply', payload: { text: 42, file: 'skiff.yaml' } });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.code).toBe('SKIFF_BAD_REQUEST');
    expect(body.details.map((d: { path: string }) => d.path)).toEqual(['body.text', 'body.baseDir']);
    expect(body.path).toBe('body.text');
    expect(body.message).toContain('body.text');
  });

  it('rejects unknown body fields by name', async () => {
    await apply();
    const response = await inject({
      method: 'POST',
      url: '/api/v1/environments/dev/services/catalog/scale',
      payload: { instances: 2, replicas: 3 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'body.replicas' });
  });

  it('rejects a missing body', async () => {
    const response = await inject({ method: 'POST', url: '/api/v1/environments/dev/services/catalog/scale' });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('SKIFF_BAD_REQUEST');
  });

  it('names bad query parameters', async () => {
    const response = await inject('/api/v1/events?limit=lots');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'query.limit' });
  });

  it('answers malformed JSON with 400 in the error shape', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/v1/validate',
      headers: { 'content-type': 'application/json' },
      payload: '{"text": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'SKIFF_BAD_REQUEST', message: expect.any(String) });
  });

  // Found by the API fuzz: fastify answered these itself, with its own code (FST_ERR_BAD_URL).
  it('answers a path with a malformed percent escape with a coded 400', async () => {
    for (const url of ['/api/v1/tokens/%', '/api/v1/environments/%E0%A4%A/status', '/api/v1/services/%zz/artifacts']) {
      const response = await inject({ method: url.includes('tokens') ? 'DELETE' : 'GET', url });
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toEqual({ code: 'SKIFF_BAD_REQUEST', message: expect.stringContaining('not a valid URL'), hint: expect.any(String) });
    }
  });

  // Found by the API fuzz over HTTP: Node's parser refuses these before fastify routes them, and
  // fastify answered in its own shape, without a code.
  it('answers a request line or headers over the size limit with a coded 431', async () => {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    for (const path of [`/api/v1/audit?who=${'x'.repeat(20_000)}`, '/api/v1/health']) {
      const headers: Record<string, string> = path.endsWith('health') ? { 'x-padding': 'y'.repeat(20_000) } : {};
      const response = await fetch(`${url}${path}`, { headers });
      expect(response.status, path.slice(0, 40)).toBe(431);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.json()).toEqual({ code: 'SKIFF_BAD_REQUEST', message: expect.stringContaining('16 KiB'), hint: expect.any(String) });
    }
  });
});

describe('status and environments', () => {
  it('lists environments and reports status', async () => {
    await apply();
    expect((await inject('/api/v1/environments')).json()).toEqual(['dev', 'prod']);
    const status = await inject('/api/v1/environments/prod/status');
    expect(status.statusCode).toBe(200);
    const report = status.json();
    expect(report.environment).toBe('prod');
    expect(report.services.find((s: { name: string }) => s.name === 'catalog').desired).toBe(3);
    expect(report.instances).toHaveLength(4);
  });

  it('maps codes to status: unknown environment 404, nothing applied 409', async () => {
    const none = await inject('/api/v1/environments/dev/status');
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({ code: 'SKIFF_NO_REVISION', hint: expect.any(String) });

    await apply();
    const unknown = await inject('/api/v1/environments/qa/status');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'SKIFF_UNKNOWN_ENVIRONMENT', message: 'no environment "qa"' });
  });
});

describe('scale', () => {
  it('returns the new revision and changes the desired count', async () => {
    await apply();
    const response = await inject({
      method: 'POST',
      url: '/api/v1/environments/dev/services/web/scale',
      // An `author` field from an older client is ignored: the token's name is recorded.
      payload: { instances: 4, author: 'mallory' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: 2, author: 'ana' });
    const report = (await inject('/api/v1/environments/dev/status')).json();
    expect(report.services.find((s: { name: string }) => s.name === 'web').desired).toBe(4);
  });

  it('answers 404 for an unknown service', async () => {
    await apply();
    const response = await inject({ method: 'POST', url: '/api/v1/environments/dev/services/nope/scale', payload: { instances: 1 } });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('SKIFF_UNKNOWN_SERVICE');
  });
});

describe('logs, events, revisions', () => {
  it('sends recent log lines as NDJSON, honouring tail and instance', async () => {
    await apply();
    for (let i = 1; i <= 5; i++) controlPlane.appendLog('catalog', { instance: `catalog-${(i % 2) + 1}`, stream: 'stdout', line: `line ${i}` });
    const response = await inject('/api/v1/environments/dev/services/catalog/logs?tail=2&instance=catalog-2');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/x-ndjson');
    const lines = response.body.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { time: '2026-11-26T10:00:00.000Z', release: 'v1', instance: 'catalog-2', stream: 'stdout', line: 'line 3' },
      { time: '2026-11-26T10:00:00.000Z', release: 'v1', instance: 'catalog-2', stream: 'stdout', line: 'line 5' },
    ]);
  });

  it('answers an unknown service in logs as a JSON 404', async () => {
    await apply();
    const response = await inject('/api/v1/environments/dev/services/nope/logs?follow=true');
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('SKIFF_UNKNOWN_SERVICE');
  });

  it('filters events and lists revisions newest first', async () => {
    await apply();
    await inject({ method: 'POST', url: '/api/v1/environments/dev/services/web/scale', payload: { instances: 2 } });
    const scaled = (await inject('/api/v1/events?type=service.scaled')).json();
    expect(scaled).toHaveLength(1);
    expect(scaled[0]).toMatchObject({ type: 'service.scaled', service: 'web', environment: 'dev' });
    const after = (await inject('/api/v1/events?afterId=1')).json();
    expect(after.map((e: { id: number }) => e.id)).toEqual([2]);

    const revisions = (await inject('/api/v1/revisions?limit=5')).json();
    expect(revisions.map((r: { id: number }) => r.id)).toEqual([2, 1]);
    expect((await inject('/api/v1/revisions?limit=1')).json()).toHaveLength(1);
  });
});

describe('system', () => {
  it('stop answers 202 and then shuts the control plane down once', async () => {
    const response = await inject({ method: 'POST', url: '/api/v1/system/stop' });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ stopping: true });
    await expect.poll(() => controlPlane.shutdownCalls, { timeout: 5000 }).toBe(1);
    await inject({ method: 'POST', url: '/api/v1/system/stop' });
    expect(controlPlane.shutdownCalls).toBe(1);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await inject('/api/v1/nothing-here?x=1');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ code: 'SKIFF_NOT_FOUND', message: 'no route GET /api/v1/nothing-here' });
  });

  it('answers an unexpected failure with a 500 that hides internals', async () => {
    controlPlane.revisions = () => {
      throw new Error('disk on fire');
    };
    const response = await inject('/api/v1/revisions');
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'SKIFF_INTERNAL' });
    expect(response.body).not.toContain('disk on fire');
  });
});
