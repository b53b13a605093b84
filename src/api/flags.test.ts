/**
 * Flags over real HTTP on 127.0.0.1: OFREP's exact answers (bodies, status codes, ETag and 304)
 * checked with fetch and with the stock @openfeature/ofrep-provider, run-time changes with their
 * revisions, audit entries and the deployer role, and the `flags` role that may only evaluate.
 * SQLite on disk for tokens, audit and flag revisions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { FlagdCore } from '@openfeature/flagd-core';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/sqlite-store.js';
import { buildApp } from './app.js';
import { createTestFlags, flagSpec } from './testing/flag-fixtures.js';
import { MemoryControlPlane } from './testing/memory-control-plane.js';
import { listenForContainers } from './container-listener.js';
import { createTestAccess, type TestAccess } from './testing/test-access.js';
import type { FlagMetrics } from '../flags/flag-metrics.js';

let dir: string;
let db: Database.Database;
let app: FastifyInstance;
let access: TestAccess;
let metrics: FlagMetrics;
let base: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-flags-'));
  db = openDatabase(dir);
  access = createTestAccess({ database: db });
  const made = createTestFlags(db);
  metrics = made.metrics;
  app = buildApp({ controlPlane: new MemoryControlPlane(), tokens: access.tokens, audit: access.audit, flags: made.flags, version: '1.0.0' });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  tokens['admin'] = access.token('admin');
  tokens['flags-dev'] = access.token('flags-dev', 'flags', ['dev']);
  tokens['flags-prod'] = access.token('flags-prod', 'flags', ['prod']);
  tokens['deployer-prod'] = access.token('deployer-prod', 'deployer', ['prod']);
  tokens['viewer'] = access.token('viewer', 'viewer');
});

afterAll(async () => {
  await app.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, url: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

const evaluate = (key: string, context: unknown, token = tokens['flags-dev']) => call('POST', `/ofrep/v1/evaluate/flags/${key}`, token, { context });

describe('OFREP single evaluation', () => {
  it('answers evaluationSuccess, flagNotFound (404) and evaluationFailure (400) with OFREP\'s error codes', async () => {
    expect(await evaluate('banner', { targetingKey: 'u1', email: 'ana@example.com' })).toMatchObject({
      status: 200,
      body: { key: 'banner', value: 'fancy', variant: 'fancy', reason: 'TARGETING_MATCH', metadata: {} },
    });
    expect(await evaluate('nope', { targetingKey: 'u1' })).toMatchObject({ status: 404, body: { key: 'nope', errorCode: 'FLAG_NOT_FOUND', errorDetails: expect.any(String) } });
    expect(await evaluate('new-checkout', {})).toMatchObject({ status: 400, body: { key: 'new-checkout', errorCode: 'TARGETING_KEY_MISSING' } });
    expect(await evaluate('banner', ['not', 'an', 'object'])).toMatchObject({ status: 400, body: { key: 'banner', errorCode: 'INVALID_CONTEXT' } });
    expect(await call('POST', '/ofrep/v1/evaluate/flags/banner', tokens['flags-dev'], '{"context": ')).toMatchObject({
      status: 400,
      body: { key: 'banner', errorCode: 'PARSE_ERROR', errorDetails: expect.stringContaining('not JSON') },
    });
    // OFREP's codeDefaultFlag: no value, so the caller's default applies.
    expect(await evaluate('old-search', { targetingKey: 'u1' })).toEqual({ status: 200, body: { key: 'old-search', reason: 'DISABLED', metadata: {} }, headers: expect.anything() });
  });

  it('evaluates in the environment of the token: prod overrides banner\'s default variant', async () => {
    expect((await evaluate('banner', { targetingKey: 'u1', email: 'ana@elsewhere.org' }, tokens['flags-prod'])).body).toMatchObject({ value: 'fancy', reason: 'DEFAULT' });
    expect((await evaluate('banner', { targetingKey: 'u1', email: 'ana@elsewhere.org' }, tokens['flags-dev'])).body).toMatchObject({ value: 'plain', reason: 'DEFAULT' });
    // A token covering every environment names one; without it the call cannot be answered.
    expect((await call('POST', '/ofrep/v1/evaluate/flags/banner?env=prod', tokens['admin'], { context: {} })).body).toMatchObject({ value: 'fancy' });
    expect(await call('POST', '/ofrep/v1/evaluate/flags/banner', tokens['admin'], { context: {} })).toMatchObject({ status: 400, body: { errorCode: 'GENERAL' } });
    expect((await call('POST', '/ofrep/v1/evaluate/flags/banner?env=prod', tokens['flags-dev'], { context: {} })).status).toBe(400);
  });

  it('puts a targeting key in the same bucket as flagd-core does, for 300 keys', async () => {
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify({ flags: flagSpec().flags }));
    for (let i = 0; i < 300; i += 1) {
      const targetingKey = `user-${i}`;
      const expected = core.resolveBooleanEvaluation('new-checkout', false, { targetingKey }).value;
      expect((await evaluate('new-checkout', { targetingKey })).body, targetingKey).toMatchObject({ value: expected });
    }
  });

  it('needs a token (401); the stock OFREP provider gets the values through the Node server SDK', async () => {
    expect((await evaluate('banner', {}, '')).status).toBe(401);
    const provider = new OFREPProvider({ baseUrl: base, headers: [['Authorization', `Bearer ${tokens['flags-dev']}`]] });
    await OpenFeature.setProviderAndWait('api-test', provider);
    const client = OpenFeature.getClient('api-test');
    expect(await client.getStringDetails('banner', 'none', { targetingKey: 'u1', email: 'bo@example.com' })).toMatchObject({ value: 'fancy', variant: 'fancy' });
    expect(await client.getBooleanDetails('missing', true, { targetingKey: 'u1' })).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
    await OpenFeature.clearProviders();
  });
});

describe('OFREP bulk evaluation', () => {
  it('answers every flag with an ETag; the same ETag in If-None-Match is 304 until a flag changes', async () => {
    const context = { context: { targetingKey: 'u7', email: 'x@example.com' } };
    const first = await call('POST', '/ofrep/v1/evaluate/flags', tokens['flags-dev'], context);
    expect(first.status).toBe(200);
    expect((first.body as { flags: { key: string }[] }).flags.map((flag) => flag.key)).toEqual(['banner', 'new-checkout', 'old-search']);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^".+"$/);
    const again = await call('POST', '/ofrep/v1/evaluate/flags', tokens['flags-dev'], context, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect((await call('POST', '/ofrep/v1/evaluate/flags', tokens['flags-dev'], { context: { targetingKey: 'u8' } }, { 'if-none-match': etag })).status).toBe(200);
    expect((await call('POST', '/ofrep/v1/evaluate/flags', tokens['flags-dev'], '[1', {})).body).toMatchObject({ errorCode: 'PARSE_ERROR' });

    expect((await call('POST', '/api/v1/environments/dev/flags/banner', tokens['admin'], { state: 'DISABLED' })).status).toBe(200);
    const changed = await call('POST', '/ofrep/v1/evaluate/flags', tokens['flags-dev'], context, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((await call('POST', '/api/v1/environments/dev/flags/banner/reset', tokens['admin'])).status).toBe(200);
  });
});

describe('OFREP from a web page on another origin', () => {
  it('answers the preflight without a token, and every answer (a 401 too) lets any origin read it and its ETag', async () => {
    const preflight = await fetch(`${base}/ofrep/v1/evaluate/flags`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:1', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const bulk = await call('POST', '/ofrep/v1/evaluate/flags', tokens['flags-dev'], { context: { targetingKey: 'u1' } }, { origin: 'http://127.0.0.1:1' });
    expect(bulk.status).toBe(200);
    expect(bulk.headers.get('access-control-allow-origin')).toBe('*');
    expect(bulk.headers.get('access-control-expose-headers')).toBe('ETag');
    const refused = await call('POST', '/ofrep/v1/evaluate/flags/banner', undefined, { context: {} }, { origin: 'http://127.0.0.1:1' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    // The rest of the API stays same-origin.
    const other = await call('GET', '/api/v1/environments/dev/flags', tokens['admin'], undefined, { origin: 'http://127.0.0.1:1' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('OFREP for containers', () => {
  it('answers OFREP on another address of the same port, and nothing else of the API there', async () => {
    const port = Number(new URL(base).port);
    const failures: string[] = [];
    // 127.0.0.2 stands in for the docker bridge's gateway (the e2e test with containers uses the real one).
    const listener = await listenForContainers(app, { hosts: ['127.0.0.2', '192.0.2.1'], port, onError: (host) => failures.push(host) });
    try {
      expect(listener.hosts).toEqual(['127.0.0.2']);
      expect(failures).toEqual(['192.0.2.1']);
      const evaluated = await fetch(`http://127.0.0.2:${port}/ofrep/v1/evaluate/flags/banner`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens['flags-dev']}`, 'content-type': 'application/json' },
        body: JSON.stringify({ context: { targetingKey: 'u1' } }),
      });
      expect(evaluated.status).toBe(200);
      expect(await evaluated.json()).toMatchObject({ key: 'banner', value: expect.any(String) });
      const api = await fetch(`http://127.0.0.2:${port}/api/v1/environments/dev/flags`, { headers: { authorization: `Bearer ${tokens['admin']}` } });
      expect(api.status).toBe(404);
      expect(await api.json()).toMatchObject({ code: 'SKIFF_NOT_FOUND' });
    } finally {
      await listener.close();
    }
  });
});

describe('run-time changes', () => {
  it('a rollout turns the targeting into a fractional split, recorded as a revision with before and after, audited, needing deploy there', async () => {
    expect(await call('POST', '/api/v1/environments/dev/flags/new-checkout/rollout', tokens['deployer-prod'], { percent: 50 })).toMatchObject({
      status: 403,
      body: { code: 'SKIFF_FORBIDDEN' },
    });
    const done = await call('POST', '/api/v1/environments/prod/flags/new-checkout/rollout', tokens['deployer-prod'], { percent: 50 });
    expect(done).toMatchObject({
      status: 200,
      body: {
        flag: { key: 'new-checkout', source: 'runtime', flag: { targeting: { fractional: [['on', 50], ['off', 50]] } } },
        revision: { action: 'rollout', actor: 'deployer-prod', before: { targeting: { fractional: [['on', 20], ['off', 80]] } }, runtime: true },
      },
    });
    const revisions = await call('GET', '/api/v1/environments/prod/flags/new-checkout/revisions', tokens['viewer']);
    expect(revisions.body).toMatchObject([{ action: 'rollout', actor: 'deployer-prod', summary: 'rollout the new variant to 50%' }]);
    expect(access.audit.list({ limit: 5 })[0]).toMatchObject({ actor: 'deployer-prod', route: '/api/v1/environments/:env/flags/:flag/rollout', status: 200, summary: 'roll out flag new-checkout in prod to 50%' });

    const reset = await call('POST', '/api/v1/environments/prod/flags/new-checkout/reset', tokens['deployer-prod']);
    expect(reset.body).toMatchObject({ flag: { source: 'spec', flag: { targeting: { fractional: [['on', 20], ['off', 80]] } } }, revision: { action: 'reset', runtime: false } });
  });

  it('refuses a change that would leave a flag flagd cannot evaluate, changing nothing', async () => {
    const before = (await call('GET', '/api/v1/environments/dev/flags/banner', tokens['viewer'])).body;
    expect(await call('POST', '/api/v1/environments/dev/flags/banner', tokens['admin'], { defaultVariant: 'shiny' })).toMatchObject({
      status: 422,
      body: { code: 'SKIFF_FLAG_CHANGE_INVALID', message: expect.stringContaining('shiny') },
    });
    expect(await call('POST', '/api/v1/environments/dev/flags/banner/rollout', tokens['admin'], { percent: 101 })).toMatchObject({ status: 400 });
    expect(await call('POST', '/api/v1/environments/dev/flags/ghost', tokens['admin'], { state: 'DISABLED' })).toMatchObject({ status: 404, body: { code: 'SKIFF_FLAG_NOT_FOUND' } });
    expect((await call('GET', '/api/v1/environments/dev/flags/banner', tokens['viewer'])).body).toEqual(before);
  });
});

describe('the flags role', () => {
  it('may evaluate in its environment and nothing else', async () => {
    expect((await call('GET', '/api/v1/environments/dev/flags', tokens['flags-dev'])).status).toBe(403);
    expect((await call('POST', '/api/v1/environments/dev/flags/banner', tokens['flags-dev'], { state: 'DISABLED' })).status).toBe(403);
    expect((await call('GET', '/api/v1/session', tokens['flags-dev'])).status).toBe(403);
  });

  it('counts evaluations per flag and variant', async () => {
    const text = await metrics.text();
    expect(text).toMatch(/skiff_flag_evaluations_total\{environment="dev",flag="banner",variant="fancy",reason="TARGETING_MATCH"\} \d+/);
    expect(text).toMatch(/skiff_flag_evaluation_errors_total\{environment="dev",error_code="FLAG_NOT_FOUND"\} \d+/);
  });
});
