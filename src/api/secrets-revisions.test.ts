import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { MemoryControlPlane } from './testing/memory-control-plane.js';
import { validSpecText } from './testing/spec-fixtures.js';
import { createTestAccess, injectWith, type Inject, type TestAccess } from './testing/test-access.js';

const value = 'hunter2-s3cr3t-value';
const secretsUrl = '/api/v1/environments/dev/services/catalog/secrets';

let controlPlane: MemoryControlPlane;
let app: FastifyInstance;
let access: TestAccess;
/** As the admin "ana": the author of every change these tests make. */
let inject: Inject;
let logged: string;

beforeEach(async () => {
  controlPlane = new MemoryControlPlane();
  logged = '';
  const sink = new Writable({ write: (chunk, _encoding, done) => ((logged += String(chunk)), done()) });
  access = createTestAccess();
  app = buildApp({ controlPlane, tokens: access.tokens, audit: access.audit, version: '1.0.0', logger: pino({ level: 'trace' }, sink) });
  inject = injectWith(app, access.token('ana'));
  await app.ready();
  expect((await post('/api/v1/apply', { text: validSpecText, file: 'skiff.yaml', baseDir: '/srv/shop', author: 'ana' })).statusCode).toBe(200);
});
afterEach(async () => {
  await app.close();
  access.close();
});

const post = (url: string, payload: object = {}) => inject({ method: 'POST', url, payload });
const put = (url: string, payload: object) => inject({ method: 'PUT', url, payload });
const deployCatalog = async (env = 'dev') => {
  const digest = (await post('/api/v1/services/catalog/build')).json().digest as string;
  expect((await post(`/api/v1/environments/${env}/services/catalog/deploy`, { version: digest })).statusCode).toBe(201);
};

describe('secrets', () => {
  it('stores values and answers only names, versions, authors and times: never a value, in no body and no log', async () => {
    const bodies: string[] = [];
    const set = await put(secretsUrl, { values: { API_KEY: value, DB_PASSWORD: `${value}-db` }, author: 'ana' });
    bodies.push(set.body);
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({
      secrets: [
        { name: 'API_KEY', version: 1, updatedAt: expect.any(String), author: 'ana' },
        { name: 'DB_PASSWORD', version: 1, updatedAt: expect.any(String), author: 'ana' },
      ],
      release: null,
      warnings: [],
    });
    expect(controlPlane.secretBook.value('dev', 'catalog', 'API_KEY')).toBe(value);

    await deployCatalog();
    const changed = await put(secretsUrl, { values: { API_KEY: `${value}-2` } });
    bodies.push(changed.body);
    expect(changed.json()).toMatchObject({ secrets: [{ name: 'API_KEY', version: 2, author: 'ana' }, { name: 'DB_PASSWORD', version: 1 }], release: { version: 'v2', current: true } });

    const list = await inject(secretsUrl);
    bodies.push(list.body);
    expect(list.json().map((s: { name: string; version: number }) => [s.name, s.version])).toEqual([
      ['API_KEY', 2],
      ['DB_PASSWORD', 1],
    ]);
    const removed = await inject({ method: 'DELETE', url: `${secretsUrl}/DB_PASSWORD?author=bo` });
    bodies.push(removed.body);
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toMatchObject({ secrets: [{ name: 'API_KEY' }], release: { version: 'v3', author: 'ana' } });

    // Failures too: a bad name, a value of the wrong type, malformed JSON.
    for (const response of [
      await put(secretsUrl, { values: { 'bad name': value } }),
      await put(secretsUrl, { values: { GOOD: value, OTHER: 42 } }),
      await inject({ method: 'PUT', url: secretsUrl, headers: { 'content-type': 'application/json' }, payload: `{"values":{"A":${value}}}` }),
      await put('/api/v1/environments/dev/services/nope/secrets', { values: { A: value } }),
    ]) {
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      bodies.push(response.body);
    }
    for (const body of bodies) expect(body).not.toContain('hunter2');
    expect(logged).toContain('incoming request');
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toContain('skiff_');
    // The audit log names the secrets that were set, never their values.
    const audit = access.audit.list({ limit: 100 });
    expect(audit.map((entry) => entry.summary)).toContain('set secrets API_KEY, DB_PASSWORD of catalog in dev');
    expect(JSON.stringify(audit)).not.toContain('hunter2');
  });

  it('validates names and bodies, and answers unknown secrets, services and environments', async () => {
    const badName = await put(secretsUrl, { values: { '1ABC': 'x' } });
    expect(badName.statusCode).toBe(400);
    expect(badName.json().code).toBe('SKIFF_BAD_REQUEST');
    expect((await put(secretsUrl, { values: {} })).json()).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'body.values' });
    expect((await put(secretsUrl, {})).json()).toMatchObject({ path: 'body.values' });
    const missing = await inject({ method: 'DELETE', url: `${secretsUrl}/NOPE` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'SKIFF_NOT_FOUND', hint: expect.stringContaining('skiff secret list catalog') });
    expect((await inject('/api/v1/environments/dev/services/nope/secrets')).json().code).toBe('SKIFF_UNKNOWN_SERVICE');
    expect((await inject('/api/v1/environments/qa/services/catalog/secrets')).statusCode).toBe(404);
  });
});

describe('plan', () => {
  it('answers the changes per environment and service, and changes nothing', async () => {
    const text = validSpecText.replace('instances: 2', 'instances: 4').replace('start: [node, web.js]', 'start: [node, web2.js]');
    const response = await post('/api/v1/plan', { text, file: 'skiff.yaml', baseDir: '/srv/shop' });
    expect(response.statusCode).toBe(200);
    const { valid, changes } = response.json();
    expect(valid).toBe(true);
    expect(changes).toContainEqual({ environment: 'dev', service: 'catalog', change: 'update', fields: [{ field: 'instances', from: 2, to: 4 }], newRelease: false });
    expect(changes).toContainEqual(expect.objectContaining({ environment: 'prod', service: 'web', change: 'update', newRelease: true }));
    expect(changes.some((c: { environment: string; service: string }) => c.environment === 'prod' && c.service === 'catalog')).toBe(false);
    expect((await inject('/api/v1/revisions')).json()).toHaveLength(1);
  });

  it('answers an invalid spec with 200 and its errors, like validate', async () => {
    const response = await post('/api/v1/plan', { text: 'name: shop\nservices: 3\n', file: 'x.yaml', baseDir: '/srv' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ valid: false, errors: [expect.objectContaining({ code: expect.stringMatching(/^SKIFF_SPEC_/) })] });
    expect((await post('/api/v1/plan', { text: 'x' })).statusCode).toBe(400);
  });
});

describe('revisions and restore', () => {
  it('filters revisions by the environment they changed', async () => {
    await inject({ method: 'POST', url: '/api/v1/environments/prod/services/web/scale', payload: { instances: 2 } });
    await deployCatalog('dev');
    const ids = async (query: string) => (await inject(`/api/v1/revisions${query}`)).json().map((r: { id: number }) => r.id);
    expect(await ids('')).toEqual([3, 2, 1]);
    expect(await ids('?environment=dev')).toEqual([3, 1]);
    expect(await ids('?environment=prod&limit=1')).toEqual([2]);
  });

  it('restores an environment to a revision or a time as a new revision', async () => {
    await deployCatalog();
    const atFirst = (await inject('/api/v1/revisions?limit=1')).json()[0];
    await deployCatalog();
    const restored = await post('/api/v1/environments/dev/restore', { to: String(atFirst.id), author: 'ana' });
    expect(restored.statusCode).toBe(201);
    expect(restored.json()).toMatchObject({
      revision: { id: 4, author: 'ana', message: 'restore dev to revision 2' },
      restored: { id: 2 },
      releases: [{ service: 'catalog', version: 'v3', reason: 'restore' }],
    });
    expect(restored.json().releases[0].artifact).toBe(controlPlane.releases('dev', 'catalog').at(-1)?.artifact);

    const byTime = await post('/api/v1/environments/dev/restore', { to: new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z') });
    expect(byTime.json()).toMatchObject({ restored: { id: 4 }, releases: [] });
  });

  it('refuses a malformed target with 400 and an unknown revision with 404, changing nothing', async () => {
    for (const to of ['yesterday', '2026-11-26', '2026-11-26T10:00:00', '2026-02-30T10:00:00Z', '0', '']) {
      const response = await post('/api/v1/environments/dev/restore', { to });
      expect(response.statusCode, to).toBe(400);
      expect(response.json()).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'body.to' });
    }
    expect((await post('/api/v1/environments/dev/restore', { to: '99' })).json()).toMatchObject({ code: 'SKIFF_NOT_FOUND' });
    expect((await post('/api/v1/environments/dev/restore', { to: '1999-01-01T00:00:00Z' })).statusCode).toBe(404);
    expect((await post('/api/v1/environments/qa/restore', { to: '1' })).json().code).toBe('SKIFF_UNKNOWN_ENVIRONMENT');
    expect((await inject('/api/v1/revisions')).json()).toHaveLength(1);
  });
});
