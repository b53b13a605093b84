/**
 * The API fuzz against the real stack: a `skiff up` process (the real control plane, SQLite
 * stores, routers and instances) gets random and boundary requests on every route over HTTP with
 * its admin token. Every answer is a 2xx or a 4xx with a catalog code and a message, never a 5xx
 * or a hang, and a 4xx changes nothing. Fewer runs than the in-process fuzz
 * (src/api/api.property.test.ts): a request that passes may build, deploy or start instances.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRuns } from '../../src/core/testing/fuzz-runs.js';
import { answerProblem, apiSnapshot, within, type FuzzAnswer, type Send } from '../../src/api/testing/fuzz-checks.js';
import { operationsOf, requestArbitrary, type FuzzOperation, type FuzzRequest, type FuzzVocabulary } from '../../src/api/testing/fuzz-requests.js';
import { fuzzVocabulary } from '../../src/api/testing/fuzz-vocabulary.js';
import { echoServer, freePort, startPlatform, waitFor, type Platform } from './platform.js';

/** Runs per route. */
const numRuns = fuzzRuns(2, 30);
const environments = ['dev', 'prod'];
const services = ['echo'];

const spec = (prodRouterPort: number): string => `name: fuzz
services:
  echo:
    path: svc
    start: [node, server.mjs]
    build: {}
    instances: 1
    readiness: { http: /health, interval: 200ms }
    stopGrace: 1s
    routes: [{ path: /echo, stripPrefix: true }]
environments:
  dev: {}
  prod:
    routerPort: ${prodRouterPort}
pipelines:
  release:
    stages:
      - build
      - deploy: dev
      - approval: { name: gate }
      - promote: { from: dev, to: prod }
`;

let platform: Platform;
let operations: FuzzOperation[];
let vocabulary: FuzzVocabulary;
let adminName: string;

beforeAll(async () => {
  platform = await startPlatform({ spec: spec(await freePort()), files: { 'svc/server.mjs': fs.readFileSync(echoServer, 'utf8') } });
  adminName = ((await (await platform.fetch('/api/v1/session')).json()) as { name: string }).name;
  // Something of everything: an artifact, two releases to roll back between, a secret, a waiting run.
  for (const [method, path, body] of [
    ['POST', '/api/v1/services/echo/build', {}],
    ['POST', '/api/v1/environments/dev/services/echo/deploy', { version: 'latest' }],
    ['PUT', '/api/v1/environments/dev/services/echo/secrets', { values: { API_KEY: 'k' } }],
    ['POST', '/api/v1/pipelines/runs', { service: 'echo' }],
    ['POST', '/api/v1/tokens', { name: 'victim', role: 'viewer' }],
  ] as const) {
    const response = await platform.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
  }
  operations = operationsOf((await (await platform.fetch('/api/openapi.json')).json()) as Parameters<typeof operationsOf>[0]);
  const artifacts = (await (await platform.fetch('/api/v1/services/echo/artifacts')).json()) as { digest: string }[];
  vocabulary = fuzzVocabulary({
    environments,
    services,
    digests: artifacts.map((artifact) => artifact.digest),
    specTexts: [fs.readFileSync(`${platform.specDir}/skiff.yaml`, 'utf8'), 'name: fuzz\nservices: {}\n', 'services: [\n'],
    baseDirs: [platform.specDir, '/nonexistent'],
    runIds: [1, 2],
    pipelines: ['release'],
    stages: ['gate', 'build'],
    tokenNames: ['victim'],
  });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

const send: Send = async (request): Promise<FuzzAnswer> => {
  const abort = new AbortController();
  const response = await platform.fetch(request.url, {
    method: request.method,
    signal: abort.signal,
    ...(request.contentType ? { headers: { 'content-type': request.contentType } } : {}),
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const contentType = response.headers.get('content-type') ?? '';
  // A stream that opened is dropped once its headers are in.
  if (request.stream && response.status === 200) {
    abort.abort();
    return { status: 200, contentType, body: '' };
  }
  return { status: response.status, contentType, body: await response.text() };
};

const read = async (path: string): Promise<unknown> => (await platform.fetch(path)).json();
const snapshot = (): Promise<string> => apiSnapshot(read, { environments, services });

/** After a request that passed, what it started (a build, a rollout, a pipeline stage) settles first. */
async function settled(): Promise<string> {
  let last = await snapshot();
  return waitFor('the state to settle', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await snapshot();
    const same = now === last;
    last = now;
    return same ? now : null;
  }, 60_000);
}

/**
 * Requests the real stack must not get from a fuzzer: revoking the fuzzer's own token, and
 * scaling past what this machine can run.
 */
function harmless(request: FuzzRequest): boolean {
  if (request.operation === 'DELETE /api/v1/tokens/{name}') return !request.url.split('?')[0]?.endsWith(`/${encodeURIComponent(adminName)}`);
  if (request.operation.endsWith('/scale')) {
    try {
      const instances = (JSON.parse(request.body ?? '{}') as { instances?: unknown }).instances;
      return !(typeof instances === 'number' && instances > 2);
    } catch {
      return true;
    }
  }
  return true;
}

// Found by this fuzz: the candidate release was saved before it was found to be the running one.
describe('a parallel run of what already runs', () => {
  it('is refused with a 400 that leaves no release behind', async () => {
    const releases = async (): Promise<unknown> => read('/api/v1/environments/dev/services/echo/releases');
    const before = await releases();
    const response = await platform.fetch('/api/v1/environments/dev/services/echo/parallel', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: 'latest' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'version', message: expect.stringContaining('nothing to compare') });
    expect(await releases()).toEqual(before);
  });
});

describe('the real API under random and boundary input (admin token, over HTTP)', () => {
  it('answers every request to every route with a 2xx or a coded 4xx, never a 5xx or a hang, and a 4xx changes nothing', async () => {
    let state = await settled();
    const passed: string[] = [];
    // Stopping the server is left out: the in-process fuzz covers that route.
    for (const operation of operations.filter((candidate) => candidate.path !== '/api/v1/system/stop')) {
      await fc.assert(
        fc.asyncProperty(requestArbitrary([operation], vocabulary).filter(harmless), async (request) => {
          const what = `${request.method} ${request.url.slice(0, 300)} ${request.contentType ?? ''} ${request.body?.slice(0, 300) ?? ''}`;
          const answer = await within(30_000, what, send(request));
          expect(answerProblem(answer), what).toBeNull();
          if (answer.status >= 400) {
            const after = await snapshot();
            if (after !== state) expect(JSON.parse(after), `${what} answered ${answer.body.slice(0, 500)} but changed something`).toEqual(JSON.parse(state));
          } else {
            passed.push(request.operation);
            state = await settled();
          }
        }),
        { numRuns },
      );
    }
    expect(passed.length).toBeGreaterThan(0);
    // The server is still up and answering.
    expect((await platform.fetch('/api/v1/health')).status).toBe(200);
  }, 1_800_000);
});
