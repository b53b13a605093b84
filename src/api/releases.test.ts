import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { MemoryControlPlane } from './testing/memory-control-plane.js';
import { validSpecText } from './testing/spec-fixtures.js';
import { createTestAccess, injectWith, type Inject, type TestAccess } from './testing/test-access.js';

let controlPlane: MemoryControlPlane;
let app: FastifyInstance;
let access: TestAccess;
/** As the admin "ana": the author of every change these tests make. */
let inject: Inject;

beforeEach(async () => {
  controlPlane = new MemoryControlPlane();
  access = createTestAccess();
  app = buildApp({ controlPlane, tokens: access.tokens, audit: access.audit, version: '9.9.9' });
  inject = injectWith(app, access.token('ana'));
  await app.ready();
  const applied = await inject({
    method: 'POST',
    url: '/api/v1/apply',
    payload: { text: validSpecText, file: 'skiff.yaml', baseDir: '/srv/shop', author: 'ana' },
  });
  expect(applied.statusCode).toBe(200);
});
afterEach(async () => {
  await app.close();
  access.close();
});

const post = (url: string, payload: object = {}) => inject({ method: 'POST', url, payload });
const build = async (service = 'catalog'): Promise<string> => {
  const response = await post(`/api/v1/services/${service}/build`, { author: 'ana' });
  expect(response.statusCode).toBe(201);
  return response.json().digest as string;
};
const deploy = (version: string, env = 'dev') =>
  post(`/api/v1/environments/${env}/services/catalog/deploy`, { version, author: 'ana' });

describe('build and artifacts', () => {
  it('builds with 201 and lists artifacts newest first', async () => {
    const response = await post('/api/v1/services/catalog/build');
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      service: 'catalog',
      size: expect.any(Number),
      sourceCommit: null,
    });
    const second = await build();
    const list = await inject('/api/v1/services/catalog/artifacts');
    expect(list.statusCode).toBe(200);
    expect(list.json().map((a: { digest: string }) => a.digest)).toEqual([second, response.json().digest]);
    expect((await inject('/api/v1/services/web/artifacts')).json()).toEqual([]);
  });

  it('needs no body to build or roll back', async () => {
    expect((await inject({ method: 'POST', url: '/api/v1/services/catalog/build' })).statusCode).toBe(201);
    const rollback = await inject({ method: 'POST', url: '/api/v1/environments/dev/services/catalog/rollback' });
    expect(rollback.json().code).toBe('SKIFF_NOT_DEPLOYED');
  });

  it('answers a failed build with 422 and the build output', async () => {
    controlPlane.book.failNextBuild('npm ERR! missing script: build');
    const response = await post('/api/v1/services/catalog/build');
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'SKIFF_BUILD_FAILED', details: [{ message: 'npm ERR! missing script: build' }] });
  });

  it('answers an unknown service with 404', async () => {
    expect((await post('/api/v1/services/nope/build')).statusCode).toBe(404);
    const list = await inject('/api/v1/services/nope/artifacts');
    expect(list.statusCode).toBe(404);
    expect(list.json().code).toBe('SKIFF_UNKNOWN_SERVICE');
  });
});

describe('deploy and releases', () => {
  it('deploys by digest, prefix or latest with 201 and lists the history with the current one', async () => {
    const first = await build();
    const second = await build();
    const one = await deploy(first);
    expect(one.statusCode).toBe(201);
    expect(one.json()).toMatchObject({ environment: 'dev', service: 'catalog', version: 'v1', artifact: first, author: 'ana', reason: 'deploy', current: true });
    expect((await deploy(second.slice('sha256:'.length, 'sha256:'.length + 8))).json()).toMatchObject({ version: 'v2', artifact: second });
    expect((await deploy('latest', 'prod')).json()).toMatchObject({ version: 'v1', environment: 'prod', artifact: second });

    const releases = await inject('/api/v1/environments/dev/services/catalog/releases');
    expect(releases.statusCode).toBe(200);
    expect(releases.json().map((r: { version: string; current: boolean }) => [r.version, r.current])).toEqual([
      ['v2', true],
      ['v1', false],
    ]);
    const status = (await inject('/api/v1/environments/dev/status')).json();
    expect(status.services.find((s: { name: string }) => s.name === 'catalog').release).toBe('v2');
  });

  it('maps version errors: not found 404, ambiguous 409, malformed 400, tampered 409', async () => {
    await build();
    const missing = await deploy('abcdef123456');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'SKIFF_ARTIFACT_NOT_FOUND', hint: expect.stringContaining('skiff artifacts catalog') });

    const shared = 'ab12cd34';
    controlPlane.book.addArtifact({ service: 'catalog', digest: `sha256:${shared}${'0'.repeat(56)}`, size: 1, sourceCommit: null });
    controlPlane.book.addArtifact({ service: 'catalog', digest: `sha256:${shared}${'1'.repeat(56)}`, size: 1, sourceCommit: null });
    const ambiguous = await deploy(shared);
    expect(ambiguous.statusCode).toBe(409);
    expect(ambiguous.json().code).toBe('SKIFF_ARTIFACT_AMBIGUOUS');

    expect((await deploy('not a digest!')).statusCode).toBe(400);

    const tampered = await build();
    controlPlane.book.tamper(tampered);
    const refused = await deploy(tampered);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('SKIFF_ARTIFACT_DIGEST_MISMATCH');
    expect((await inject('/api/v1/environments/dev/services/catalog/releases')).json()).toEqual([]);
  });

  it('requires a version and answers unknown environments and services with 404', async () => {
    const noVersion = await post('/api/v1/environments/dev/services/catalog/deploy', {});
    expect(noVersion.statusCode).toBe(400);
    expect(noVersion.json()).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'body.version' });
    expect((await deploy('latest', 'qa')).json().code).toBe('SKIFF_UNKNOWN_ENVIRONMENT');
    const unknown = await post('/api/v1/environments/dev/services/nope/deploy', { version: 'latest' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('SKIFF_UNKNOWN_SERVICE');
    expect((await inject('/api/v1/environments/qa/services/catalog/releases')).statusCode).toBe(404);
  });
});

describe('rollback', () => {
  it('goes back to the previous release, or to a named one, as a new release', async () => {
    const first = await build();
    await deploy(first);
    await deploy(await build());
    await deploy(await build());
    const back = await post('/api/v1/environments/dev/services/catalog/rollback', { author: 'ana' });
    expect(back.statusCode).toBe(201);
    expect(back.json()).toMatchObject({ version: 'v4', reason: 'rollback', author: 'ana', current: true });
    const toFirst = await post('/api/v1/environments/dev/services/catalog/rollback', { to: 'v1' });
    expect(toFirst.json()).toMatchObject({ version: 'v5', artifact: first });
  });

  it('answers bad targets: malformed 400, unknown release 404, never deployed 409', async () => {
    const neverDeployed = await post('/api/v1/environments/dev/services/catalog/rollback');
    expect(neverDeployed.statusCode).toBe(409);
    expect(neverDeployed.json().code).toBe('SKIFF_NOT_DEPLOYED');

    await deploy(await build());
    const malformed = await post('/api/v1/environments/dev/services/catalog/rollback', { to: 'two' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'body.to' });
    const unknown = await post('/api/v1/environments/dev/services/catalog/rollback', { to: 'v9' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('SKIFF_RELEASE_NOT_FOUND');
    const nothingBefore = await post('/api/v1/environments/dev/services/catalog/rollback');
    expect(nothingBefore.statusCode).toBe(404);
  });
});

describe('promote', () => {
  it("deploys the source environment's running artifact with the target's config", async () => {
    const digest = await build();
    const dev = (await deploy(digest)).json();
    await build();
    const promoted = await post('/api/v1/services/catalog/promote', { from: 'dev', to: 'prod', author: 'ana' });
    expect(promoted.statusCode).toBe(201);
    expect(promoted.json()).toMatchObject({ environment: 'prod', version: 'v1', artifact: digest, reason: 'promote', author: 'ana' });
    // prod overrides catalog's instances, so its config differs while the artifact is the same.
    expect(promoted.json().configHash).not.toBe(dev.configHash);
  });

  it('refuses to promote from an environment that does not run the service', async () => {
    const response = await post('/api/v1/services/catalog/promote', { from: 'dev', to: 'prod' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'SKIFF_NOT_DEPLOYED', hint: expect.any(String) });
    expect((await post('/api/v1/services/catalog/promote', { from: 'dev' })).json()).toMatchObject({ path: 'body.to' });
    expect((await inject('/api/v1/environments/prod/services/catalog/releases')).json()).toEqual([]);
  });
});
