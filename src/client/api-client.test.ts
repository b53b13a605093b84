import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import type { EventRecord, LogLine } from '../api/control-plane.js';
import { MemoryControlPlane } from '../api/testing/memory-control-plane.js';
import { invalidSpecText, validSpecText } from '../api/testing/spec-fixtures.js';
import { createTestAccess, type TestAccess } from '../api/testing/test-access.js';
import { SkiffError } from '../core/errors.js';
import { createApiClient, type ApiClient } from './api-client.js';

const source = { text: validSpecText, file: 'skiff.yaml', baseDir: '/srv/shop' };

let controlPlane: MemoryControlPlane;
let app: FastifyInstance;
let client: ApiClient;
let access: TestAccess;
let baseUrl: string;

beforeEach(async () => {
  controlPlane = new MemoryControlPlane();
  access = createTestAccess();
  app = buildApp({ controlPlane, tokens: access.tokens, audit: access.audit, version: '1.2.3' });
  baseUrl = `${await app.listen({ host: '127.0.0.1', port: 0 })}/`;
  // Every change is recorded as made by the token's name: "ana" here.
  client = createApiClient({ baseUrl, token: access.token('ana') });
});
afterEach(async () => {
  await app.close();
  access.close();
});

async function caught(promise: Promise<unknown>): Promise<SkiffError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SkiffError);
  return error as SkiffError;
}

describe('typed calls', () => {
  it('covers the request/response routes', async () => {
    expect(await client.health()).toEqual({ ok: true, version: '1.2.3' });
    expect(await client.validate(source)).toMatchObject({ valid: true, services: ['catalog', 'web'] });
    const applied = await client.apply(source, { author: 'ana', message: 'hello' });
    expect(applied).toMatchObject({ changed: true, revision: { id: 1, author: 'ana', message: 'hello' } });
    expect(await client.environments()).toEqual(['dev', 'prod']);
    expect((await client.status('prod')).services.map((s) => [s.name, s.desired])).toEqual([
      ['catalog', 3],
      ['web', 1],
    ]);
    expect(await client.scale({ environment: 'dev', service: 'web', instances: 2, author: 'bo' })).toMatchObject({ id: 2, author: 'ana' });
    expect((await client.revisions(1)).map((r) => r.id)).toEqual([2]);
    expect((await client.events({ type: 'service.scaled' })).map((e) => e.service)).toEqual(['web']);
    controlPlane.appendLog('web', { instance: 'web-1', stream: 'stdout', line: 'hi' });
    expect(await client.logs({ environment: 'dev', service: 'web', tail: 5 })).toEqual([
      { time: '2026-11-26T10:00:00.000Z', release: 'v1', instance: 'web-1', stream: 'stdout', line: 'hi' },
    ]);
    expect((await client.openApi())['openapi']).toBe('3.1.0');
  });

  it('covers artifacts and releases', async () => {
    await client.apply(source);
    const built = await client.build({ service: 'catalog', author: 'ana' });
    expect(built).toMatchObject({ service: 'catalog', digest: expect.stringMatching(/^sha256:/) });
    expect(await client.artifacts('catalog')).toEqual([built]);
    const deployed = await client.deploy({ service: 'catalog', version: 'latest', environment: 'dev', author: 'bo' });
    expect(deployed).toMatchObject({ version: 'v1', artifact: built.digest, author: 'ana', current: true });
    await client.deploy({ service: 'catalog', version: built.digest, environment: 'dev' });
    expect(await client.rollback({ service: 'catalog', environment: 'dev', to: 'v1' })).toMatchObject({ version: 'v3', reason: 'rollback', author: 'ana' });
    expect(await client.promote({ service: 'catalog', from: 'dev', to: 'prod' })).toMatchObject({ environment: 'prod', artifact: built.digest });
    expect((await client.releases('dev', 'catalog')).map((r) => [r.version, r.current])).toEqual([
      ['v3', true],
      ['v2', false],
      ['v1', false],
    ]);

    controlPlane.book.failNextBuild('boom');
    const failed = await caught(client.build({ service: 'catalog' }));
    expect(failed.code).toBe('SKIFF_BUILD_FAILED');
    expect(failed.details.map((d) => d.message)).toEqual(['boom']);
    expect((await caught(client.promote({ service: 'web', from: 'dev', to: 'prod' }))).code).toBe('SKIFF_NOT_DEPLOYED');
  });

  it('covers secrets, plan, revisions by environment and restore', async () => {
    await client.apply(source, { author: 'ana' });
    const set = await client.setSecrets({ environment: 'dev', service: 'catalog', values: { API_KEY: 'k-123', TOKEN: 't-456' }, author: 'bo' });
    expect(set).toEqual({
      secrets: [
        { name: 'API_KEY', version: 1, updatedAt: expect.any(String), author: 'ana' },
        { name: 'TOKEN', version: 1, updatedAt: expect.any(String), author: 'ana' },
      ],
      release: null,
      // Both values are too short for logs to redact.
      warnings: [expect.stringContaining('API_KEY'), expect.stringContaining('TOKEN')],
    });
    expect(controlPlane.secretBook.value('dev', 'catalog', 'TOKEN')).toBe('t-456');
    expect((await client.secrets('dev', 'catalog')).map((s) => s.name)).toEqual(['API_KEY', 'TOKEN']);
    expect((await client.unsetSecret({ environment: 'dev', service: 'catalog', name: 'TOKEN', author: 'cy' })).secrets.map((s) => s.name)).toEqual(['API_KEY']);
    expect((await caught(client.unsetSecret({ environment: 'dev', service: 'catalog', name: 'TOKEN' }))).code).toBe('SKIFF_NOT_FOUND');

    const plan = await client.plan({ ...source, text: validSpecText.replace('instances: 3', 'instances: 5') });
    expect(plan).toEqual({ valid: true, changes: [{ environment: 'prod', service: 'catalog', change: 'update', fields: [{ field: 'instances', from: 3, to: 5 }], newRelease: false }] });
    expect(await client.plan({ ...source, text: invalidSpecText })).toMatchObject({ valid: false });

    await client.deploy({ service: 'catalog', version: (await client.build({ service: 'catalog' })).digest, environment: 'dev' });
    await client.scale({ environment: 'prod', service: 'web', instances: 2 });
    expect((await client.revisions(10, 'dev')).map((r) => r.id)).toEqual([2, 1]);
    const restored = await client.restore({ environment: 'prod', to: '1', author: 'di' });
    expect(restored).toMatchObject({ revision: { id: 4, author: 'ana' }, restored: { id: 1 }, releases: [] });
    expect((await client.status('prod')).services.find((s) => s.name === 'web')?.desired).toBe(1);
    const malformed = await caught(client.restore({ environment: 'prod', to: 'last tuesday' }));
    expect(malformed).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'body.to' });
  });

  it('rebuilds the server error as a SkiffError with code, details and hint', async () => {
    const invalid = await caught(client.apply({ ...source, text: invalidSpecText }));
    expect(invalid.code).toBe('SKIFF_SPEC_INVALID');
    expect(invalid.details.length).toBeGreaterThanOrEqual(2);

    await client.apply(source);
    const unknown = await caught(client.status('qa'));
    expect(unknown.code).toBe('SKIFF_UNKNOWN_ENVIRONMENT');
    expect(unknown.hint).toBe('environments: dev, prod');

    const bad = await caught(client.scale({ environment: 'dev', service: 'web', instances: -1 }));
    expect(bad).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'body.instances' });
  });

  it('asks the server to stop', async () => {
    await client.stop();
    await expect.poll(() => controlPlane.shutdownCalls, { timeout: 5000 }).toBe(1);
  });
});

describe('access control', () => {
  it('sends its token; the session, tokens and audit calls work', async () => {
    expect(await client.session()).toEqual({ name: 'ana', role: 'admin', environments: null });
    const created = await client.createToken({ name: 'ci', role: 'deployer', environments: ['staging'] });
    expect(created).toMatchObject({ name: 'ci', role: 'deployer', environments: ['staging'], createdBy: 'ana', revokedAt: null });
    expect(created.token).toMatch(/^skiff_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const ci = createApiClient({ baseUrl, token: created.token });
    expect(await ci.session()).toEqual({ name: 'ci', role: 'deployer', environments: ['staging'] });
    expect((await client.tokens()).map((t) => t.name)).toEqual(['ana', 'ci']);
    expect(await client.revokeToken('ci')).toMatchObject({ name: 'ci', revokedAt: expect.any(String) });
    expect((await caught(ci.session())).code).toBe('SKIFF_UNAUTHORIZED');
    const audit = await client.audit({ who: 'ana', limit: 10 });
    expect(audit.map((entry) => entry.summary)).toEqual(['revoke token ci', 'create token ci (deployer: staging)']);
    expect((await client.audit({ limit: 1 }))[0]).toMatchObject({ actor: null, status: 401, code: 'SKIFF_UNAUTHORIZED' });
  });

  it('without a token: health answers, anything else is a SKIFF_UNAUTHORIZED with a hint', async () => {
    const anonymous = createApiClient({ baseUrl });
    expect(await anonymous.health()).toEqual({ ok: true, version: '1.2.3' });
    const error = await caught(anonymous.environments());
    expect(error.code).toBe('SKIFF_UNAUTHORIZED');
    expect(error.hint).toContain('skiff token create');
  });
});

describe('connection failures', () => {
  it('reports SKIFF_API_UNREACHABLE with a hint when nothing listens', async () => {
    const port = await freePort();
    const error = await caught(createApiClient({ baseUrl: `http://127.0.0.1:${port}` }).health());
    expect(error.code).toBe('SKIFF_API_UNREACHABLE');
    expect(error.message).toContain(`http://127.0.0.1:${port}`);
    expect(error.hint).toContain('skiff up');
    expect(error.hint).toContain('SKIFF_API');
  });

  it('reports a timeout as unreachable', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const error = await caught(createApiClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 }).health());
      expect(error.code).toBe('SKIFF_API_UNREACHABLE');
      expect(error.message).toContain('did not answer');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('says so when something other than Skiff answers', async () => {
    const other = http.createServer((_, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>nope</h1>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as AddressInfo).port;
      const error = await caught(createApiClient({ baseUrl: `http://127.0.0.1:${port}` }).environments());
      expect(error.code).toBe('SKIFF_INTERNAL');
      expect(error.message).toContain('HTTP 404');
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe('streams', () => {
  it('follows logs until the signal aborts', async () => {
    await client.apply(source);
    controlPlane.appendLog('catalog', { instance: 'catalog-1', stream: 'stdout', line: 'before' });
    const lines: LogLine[] = [];
    const abort = new AbortController();
    const following = client.followLogs({ environment: 'dev', service: 'catalog', tail: 10 }, (line) => lines.push(line), abort.signal);
    await expect.poll(() => controlPlane.followers, { timeout: 5000 }).toBe(1);
    controlPlane.appendLog('catalog', { instance: 'catalog-2', stream: 'stderr', line: 'after' });
    await expect.poll(() => lines.map((l) => l.line), { timeout: 5000 }).toEqual(['before', 'after']);
    abort.abort();
    await expect(following).resolves.toBeUndefined();
    await expect.poll(() => controlPlane.followers, { timeout: 5000 }).toBe(0);
  });

  it('ends a follow cleanly when the server stops', async () => {
    await client.apply(source);
    const following = client.followLogs({ environment: 'dev', service: 'catalog' }, () => undefined, new AbortController().signal);
    await expect.poll(() => controlPlane.followers, { timeout: 5000 }).toBe(1);
    await app.close();
    await expect(following).resolves.toBeUndefined();
  });

  it('rejects a follow of an unknown service with the server error', async () => {
    await client.apply(source);
    const error = await caught(client.followLogs({ environment: 'dev', service: 'nope' }, () => undefined, new AbortController().signal));
    expect(error.code).toBe('SKIFF_UNKNOWN_SERVICE');
  });

  it('streams events until the signal aborts', async () => {
    const events: EventRecord[] = [];
    const abort = new AbortController();
    const streaming = client.streamEvents((event) => events.push(event), abort.signal);
    await expect.poll(() => controlPlane.subscribers, { timeout: 5000 }).toBe(1);
    const recorded = controlPlane.record({ type: 'instance.started', service: 'web', message: 'started web-1' });
    await expect.poll(() => events, { timeout: 5000 }).toEqual([recorded]);
    abort.abort();
    await expect(streaming).resolves.toBeUndefined();
    await expect.poll(() => controlPlane.subscribers, { timeout: 5000 }).toBe(0);
  });
});

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
