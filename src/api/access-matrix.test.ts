/**
 * Access control over every route, enumerated from the OpenAPI document (so a route added later
 * is covered without touching this file): every mutating route against every role and
 * environment scope, missing and wrong tokens on every route, and the audit log of it all. The
 * API runs over the real SQLite token, audit and pipeline-run stores in a temporary directory,
 * the real pipeline runner and monitor, and the in-memory control plane. Rollouts need running
 * routers: their port here only records the calls that reach it (none may, when refused).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allows, allowsSomewhere, type Action, type Grant, type Role } from '../core/access.js';
import type { PipelineRunner } from '../pipeline/runner.js';
import type { PipelineSpec } from '../spec/schema.js';
import { buildFullApp, seedReleasesAndSecrets, type FullApp } from './testing/full-app.js';
import type { MemoryControlPlane } from './testing/memory-control-plane.js';
import { validSpecText } from './testing/spec-fixtures.js';
import type { TestAccess } from './testing/test-access.js';

const environments = ['dev', 'prod'] as const;
type Target = (typeof environments)[number];
const other = (target: Target): Target => (target === 'dev' ? 'prod' : 'dev');

/** Every role, and a deployer of every environment scope. */
const callers: Readonly<Record<string, Grant>> = {
  viewer: { role: 'viewer', environments: null },
  deployer: { role: 'deployer', environments: null },
  'deployer-dev': { role: 'deployer', environments: ['dev'] },
  'deployer-prod': { role: 'deployer', environments: ['prod'] },
  admin: { role: 'admin', environments: null },
  'flags-dev': { role: 'flags', environments: ['dev'] },
};

/**
 * Each pipeline's first stages deploy to one environment (starting it needs that one) and its
 * approval lets the run deploy to the other (approving needs that one).
 */
const startingIn = (first: Target): PipelineSpec => ({
  stages: [
    { kind: 'build', name: 'build' },
    { kind: 'deploy', name: `deploy-${first}`, environment: first },
    { kind: 'approval', name: 'gate' },
    { kind: 'deploy', name: `deploy-${other(first)}`, environment: other(first) },
  ],
});
const pipelines: Readonly<Record<string, PipelineSpec>> = { 'start-dev': startingIn('dev'), 'start-prod': startingIn('prod') };

interface Operation {
  readonly method: string;
  /** The OpenAPI path: `/api/v1/environments/{env}/status`. */
  readonly path: string;
  readonly access: { readonly public?: true; readonly action?: Action; readonly environment?: 'all' | 'any' | { param: string } | { body: string } };
}

interface Sample {
  readonly url: string;
  readonly payload?: unknown;
}

let full: FullApp;
let access: TestAccess;
let controlPlane: MemoryControlPlane;
let runner: PipelineRunner;
let app: FastifyInstance;
const tokens: Record<string, string> = {};
/** The run waiting at an approval that lets it deploy to the environment. */
const approvalRun: Partial<Record<Target, number>> = {};
let operations: Operation[];
/** What reached the rollout port. */
let rolloutCalls: readonly string[];

beforeAll(async () => {
  full = await buildFullApp({ pipelines, services: ['catalog', 'web'], environments });
  ({ app, access, controlPlane, runner, rolloutCalls } = full);
  for (const [name, grant] of Object.entries(callers)) tokens[name] = access.token(name, grant.role, grant.environments);
  access.token('victim', 'viewer');

  // Something of everything, so that allowed calls can act: releases to roll back, a secret to unset, waiting runs.
  const admin = { name: 'setup', role: 'admin' as Role, environments: null };
  await seedReleasesAndSecrets(controlPlane, environments);
  approvalRun.prod = runner.start({ service: 'catalog', pipeline: 'start-dev', by: admin }).id;
  approvalRun.dev = runner.start({ service: 'catalog', pipeline: 'start-prod', by: admin }).id;
  await runner.idle();

  const document = (await request('GET', '/api/openapi.json', tokens['viewer'])).json() as {
    paths: Record<string, Record<string, { 'x-skiff-access': Operation['access'] }>>;
  };
  operations = Object.entries(document.paths).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path: route, access: operation['x-skiff-access'] })),
  );
});

afterAll(async () => {
  await full.close();
});

function request(method: string, url: string, token: string | undefined, payload?: unknown, authorization?: string): Promise<LightMyRequestResponse> {
  const header = authorization ?? (token === undefined ? undefined : `Bearer ${token}`);
  return app.inject({
    method: method as 'GET',
    url,
    ...(header === undefined ? {} : { headers: { authorization: header } }),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

const key = (operation: Pick<Operation, 'method' | 'path'>): string => `${operation.method} ${operation.path}`;
const isMutating = (operation: Operation): boolean => operation.method !== 'GET';
const isStream = (operation: Operation): boolean => operation.path.endsWith('/stream') || operation.path.endsWith('/logs');
const pattern = (route: string): string => route.replace(/\{(\w+)\}/g, ':$1');

/** A request a permitted caller could make to the route, aimed at `target` where it has an environment. */
function sampleOf(operation: Operation, target: Target): Sample {
  const param = (name: string): string =>
    ({ env: target, service: 'catalog', name: name === 'name' && operation.path.startsWith('/api/v1/tokens') ? 'victim' : operation.path.startsWith('/api/v1/previews') ? `pv-${target}` : 'API_KEY', stage: 'gate', id: String(approvalRun[target]), flag: 'new-checkout', key: 'new-checkout' })[name] ??
    'x';
  const url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(param(name)));
  const spec = { text: validSpecText, file: 'skiff.yaml', baseDir: '/srv/shop' };
  const payloads: Readonly<Record<string, unknown>> = {
    'POST /api/v1/apply': spec,
    'POST /api/v1/validate': spec,
    'POST /api/v1/plan': spec,
    'POST /api/v1/environments/{env}/services/{service}/scale': { instances: 2 },
    'POST /api/v1/environments/{env}/services/{service}/deploy': { version: 'latest' },
    'POST /api/v1/environments/{env}/services/{service}/rollback': {},
    'POST /api/v1/services/{service}/promote': { from: other(target), to: target },
    'POST /api/v1/services/{service}/build': {},
    'PUT /api/v1/environments/{env}/services/{service}/secrets': { values: { API_KEY: 'new-value' } },
    'POST /api/v1/environments/{env}/restore': { to: '1' },
    'POST /api/v1/pipelines/runs': { service: 'catalog', pipeline: `start-${target}` },
    'POST /api/v1/pipelines/runs/{id}/stages/{stage}/approve': {},
    'POST /api/v1/tokens': { name: 'made-here', role: 'viewer' },
    'POST /api/v1/environments/{env}/services/{service}/runs': { command: ['node', 'migrate.mjs'] },
    'POST /api/v1/environments/{env}/flags/{flag}': { state: 'DISABLED' },
    'POST /api/v1/environments/{env}/flags/{flag}/rollout': { percent: 30 },
    'POST /ofrep/v1/evaluate/flags/{key}': { context: { targetingKey: 'u1' } },
    'POST /api/v1/previews': { name: `made-in-${target}`, from: target, branch: 'feature/login' },
  };
  const payload = payloads[key(operation)] ?? (operation.method === 'DELETE' ? undefined : {});
  return { url, ...(payload === undefined ? {} : { payload }) };
}

/**
 * What the routes known today must allow; a route not listed is held to its own declaration
 * (which is `admin` for a mutating route that declares nothing).
 */
const deployIn = (target: Target) => (grant: Grant) => allows(grant, 'deploy', target);
const adminOnly = (grant: Grant) => grant.role === 'admin';
const anyToken = () => true;
const intended: Readonly<Record<string, (target: Target) => (grant: Grant) => boolean>> = {
  'POST /api/v1/apply': () => adminOnly,
  // Any token that may read: a flags token may only evaluate.
  'POST /api/v1/validate': () => (grant) => allows(grant, 'read'),
  'POST /api/v1/plan': () => (grant) => allows(grant, 'read'),
  // Evaluation needs no more than read, and a flags token: in its environment (chosen by the token).
  'POST /ofrep/v1/evaluate/flags/{key}': () => (grant) => allowsSomewhere(grant, 'evaluate'),
  'POST /ofrep/v1/evaluate/flags': () => (grant) => allowsSomewhere(grant, 'evaluate'),
  'POST /api/v1/environments/{env}/flags/{flag}': deployIn,
  'POST /api/v1/environments/{env}/flags/{flag}/rollout': deployIn,
  'POST /api/v1/environments/{env}/flags/{flag}/reset': deployIn,
  'POST /api/v1/environments/{env}/services/{service}/scale': deployIn,
  'POST /api/v1/environments/{env}/services/{service}/deploy': deployIn,
  'POST /api/v1/environments/{env}/services/{service}/rollback': deployIn,
  // Promote needs deploy in the target environment only.
  'POST /api/v1/services/{service}/promote': deployIn,
  // A deployer of any environment may build: a build changes no environment.
  'POST /api/v1/services/{service}/build': () => (grant) => allowsSomewhere(grant, 'deploy'),
  'PUT /api/v1/environments/{env}/services/{service}/secrets': () => adminOnly,
  'DELETE /api/v1/environments/{env}/services/{service}/secrets/{name}': () => adminOnly,
  'POST /api/v1/environments/{env}/restore': () => adminOnly,
  'POST /api/v1/system/stop': () => adminOnly,
  // Starting needs the environments deployed to before the first approval; approving, those after it.
  'POST /api/v1/pipelines/runs': deployIn,
  'POST /api/v1/pipelines/runs/{id}/stages/{stage}/approve': deployIn,
  'POST /api/v1/tokens': () => adminOnly,
  'DELETE /api/v1/tokens/{name}': () => adminOnly,
  // A command runs with the environment's config and secrets: deployers of that environment only.
  'POST /api/v1/environments/{env}/services/{service}/runs': deployIn,
  'PUT /api/v1/environments/{env}/runs/{id}/stdin': deployIn,
  'POST /api/v1/environments/{env}/runs/{id}/stop': deployIn,
  // A preview (of a branch or not) is made and deleted by deployers of the environment it copies.
  'POST /api/v1/previews': deployIn,
  'DELETE /api/v1/previews/{name}': deployIn,
};

function declaredRule(operation: Operation, sample: Sample): (grant: Grant) => boolean {
  const { action = 'admin', environment = 'all' } = operation.access;
  if (operation.access.public) return anyToken;
  if (environment === 'any') return (grant) => allowsSomewhere(grant, action);
  if (environment === 'all') return (grant) => allows(grant, action);
  if ('param' in environment) {
    const value = sample.url.split('/')[operation.path.split('/').indexOf(`{${environment.param}}`)];
    return (grant) => allows(grant, action, value);
  }
  const value = (sample.payload as Record<string, unknown> | undefined)?.[environment.body];
  return (grant) => allows(grant, action, typeof value === 'string' ? value : undefined);
}

/** Everything a refused call must leave as it was. */
async function snapshot(): Promise<string> {
  return JSON.stringify({ state: await full.state(environments), rolloutCalls });
}

describe('the route list', () => {
  it('has every route declaring what it needs; only liveness is public', () => {
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.filter((operation) => operation.access.public).map(key)).toEqual(['GET /api/v1/health']);
    for (const operation of operations) if (!operation.access.public) expect(operation.access.action, key(operation)).toMatch(/^(read|deploy|admin|evaluate)$/);
  });

  it('offers no way to change the audit log', () => {
    const auditRoutes = operations.filter((operation) => operation.path.startsWith('/api/v1/audit'));
    expect(auditRoutes.map(key)).toEqual(['GET /api/v1/audit']);
  });
});

describe('every mutating route against every role and environment scope', () => {
  it('lets the allowed callers through and refuses the others with 403, changing nothing and auditing both', async () => {
    const mutating = operations.filter(isMutating);
    expect(mutating.length).toBeGreaterThanOrEqual(Object.keys(intended).length);
    const checked: string[] = [];
    for (const operation of mutating) {
      const targets = /\{env\}/.test(operation.path) || /promote|pipelines|previews/.test(operation.path) ? environments : (['prod'] as const);
      for (const target of targets) {
        const sample = sampleOf(operation, target);
        const rule = intended[key(operation)]?.(target) ?? declaredRule(operation, sample);
        // Refused callers first: an allowed call may change what the next one finds.
        const order = Object.keys(callers).sort((a, b) => Number(rule(callers[a] as Grant)) - Number(rule(callers[b] as Grant)));
        for (const caller of order) {
          const allowed = rule(callers[caller] as Grant);
          const what = `${key(operation)} (${target}) as ${caller}`;
          const before = allowed ? '' : await snapshot();
          const auditBefore = access.audit.list({ limit: 1 })[0]?.id ?? 0;
          const refusalsBefore = refusalsOf(caller);
          const response = await request(operation.method, sample.url, tokens[caller], sample.payload);
          if (allowed) {
            expect([401, 403], `${what}: ${response.body}`).not.toContain(response.statusCode);
            await runner.idle();
          } else {
            expect(response.statusCode, `${what}: ${response.body}`).toBe(403);
            expect(response.json(), what).toMatchObject({ code: 'SKIFF_FORBIDDEN', message: expect.stringContaining(caller), hint: expect.any(String) });
            expect(await snapshot(), `${what} changed something`).toBe(before);
          }
          const entries = access.audit.list({ limit: 10 }).filter((entry) => entry.id > auditBefore);
          const changes = operation.access.action !== 'read' && operation.access.action !== 'evaluate';
          if (!allowed) {
            // Refusals are counted in one row per client and minute.
            expect(refusalsOf(caller), what).toBe(refusalsBefore + 1);
            expect(access.audit.list({ limit: 10_000, who: caller }).find((entry) => entry.status === 403), what).toMatchObject({ role: callers[caller]?.role, address: '127.0.0.1' });
          } else if (changes) {
            expect(entries, what).toHaveLength(1);
            expect(entries[0], what).toMatchObject({
              actor: caller,
              role: callers[caller]?.role,
              method: operation.method,
              route: pattern(operation.path),
              status: response.statusCode,
              address: '127.0.0.1',
            });
          } else {
            expect(entries, `${what}: a read is not audited`).toEqual([]);
          }
          checked.push(`${what} ${allowed ? 'allowed' : 'refused'}`);
        }
      }
    }
    // The table above covers what exists today; a route it does not know was checked against its declaration.
    for (const known of Object.keys(intended)) expect(checked.some((line) => line.startsWith(known)), known).toBe(true);
    expect(checked).toContain('POST /api/v1/services/{service}/promote (prod) as deployer-dev refused');
    expect(checked).toContain('POST /api/v1/services/{service}/promote (prod) as deployer-prod allowed');
    expect(checked).toContain('POST /api/v1/pipelines/runs/{id}/stages/{stage}/approve (dev) as deployer-prod refused');
  });
});

/** Requests of `caller` refused with 403 so far, over the rows that count them. */
function refusalsOf(caller: string): number {
  return access.audit.list({ limit: 10_000, who: caller }).reduce((sum, entry) => sum + (entry.status === 403 ? entry.count : 0), 0);
}

describe('missing or wrong tokens', () => {
  it('get 401 with a hint and `www-authenticate: Bearer` on every route but liveness, and change nothing', async () => {
    const revoked = access.token('revoked', 'admin');
    access.tokens.revoke('revoked');
    const [, id] = /^skiff_([0-9a-f]{12})_/.exec(tokens['admin'] as string) ?? [];
    const wrongSecret = `skiff_${id}_${'A'.repeat(43)}`;
    const attempts: [string, string | undefined][] = [
      ['no header', undefined],
      ['another scheme', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
      ['an empty bearer', 'Bearer '],
      ['two words', `Bearer ${tokens['admin']} extra`],
      ['not a token', 'Bearer hunter2'],
      ['an unknown token', `Bearer skiff_0123456789ab_${'B'.repeat(43)}`],
      ['a wrong secret', `Bearer ${wrongSecret}`],
      ['a revoked token', `Bearer ${revoked}`],
    ];
    const before = await snapshot();
    const auditBefore = access.audit.list({ limit: 1 })[0]?.id ?? 0;
    const targets = [...operations.filter((operation) => !operation.access.public), { method: 'GET', path: '/metrics', access: { action: 'read' as const } }];
    for (const operation of targets) {
      const sample = sampleOf(operation, 'prod');
      for (const [label, authorization] of attempts) {
        const response = await app.inject({
          method: operation.method as 'GET',
          url: sample.url,
          headers: authorization === undefined ? {} : { authorization },
          ...(sample.payload === undefined ? {} : { payload: sample.payload as object }),
        });
        const what = `${key(operation)} with ${label}`;
        expect(response.statusCode, what).toBe(401);
        expect(response.headers['www-authenticate'], what).toBe('Bearer realm="skiff"');
        expect(response.json(), what).toMatchObject({ code: 'SKIFF_UNAUTHORIZED', hint: expect.stringContaining('skiff token create') });
      }
    }
    expect(await snapshot()).toBe(before);
    const refused = access.audit.list({ limit: 10_000 }).filter((entry) => entry.id > auditBefore);
    expect(refused.every((entry) => entry.actor === null && entry.status === 401 && entry.code === 'SKIFF_UNAUTHORIZED')).toBe(true);
    // One row per client and minute: a minute may turn during the loop.
    expect(refused.length).toBeLessThanOrEqual(2);
    expect(refused.reduce((sum, entry) => sum + entry.count, 0)).toBe(targets.length * attempts.length);
    expect(JSON.stringify(access.audit.list({ limit: 10_000 }))).not.toContain(tokens['admin']?.slice(19));
  });

  it('liveness answers without a token; unknown paths stay 404s', async () => {
    expect((await request('GET', '/api/v1/health', undefined)).statusCode).toBe(200);
    expect((await request('GET', '/api/v1/nothing-here', undefined)).statusCode).toBe(404);
  });
});

describe('reads', () => {
  it('every read route answers a viewer (streams and admin-only lists aside)', async () => {
    for (const operation of operations.filter((o) => o.method === 'GET' && !o.access.public && !isStream(o))) {
      const response = await request('GET', sampleOf(operation, 'prod').url, tokens['viewer']);
      const expected = operation.access.action === 'read' ? [200, 400, 404, 409] : [403];
      expect(expected, `${key(operation)}: ${response.statusCode} ${response.body.slice(0, 200)}`).toContain(response.statusCode);
    }
    expect((await request('GET', '/metrics', tokens['viewer'])).statusCode).toBe(200);
  });

  it('the session says who the token stands for', async () => {
    expect((await request('GET', '/api/v1/session', tokens['deployer-prod'])).json()).toEqual({ name: 'deployer-prod', role: 'deployer', environments: ['prod'] });
    expect((await request('GET', '/api/v1/session', tokens['admin'])).json()).toEqual({ name: 'admin', role: 'admin', environments: null });
  });
});

describe('the audit log', () => {
  it('records who, what, when, from where and the result, and no call changes or removes an entry', async () => {
    const before = access.audit.list({ limit: 10_000 });
    expect(before.length).toBeGreaterThan(50);
    for (const method of ['DELETE', 'PUT', 'POST', 'PATCH'] as const) {
      for (const url of ['/api/v1/audit', `/api/v1/audit/${before[0]?.id}`]) {
        expect((await request(method, url, tokens['admin'], method === 'DELETE' ? undefined : {})).statusCode, `${method} ${url}`).toBe(404);
      }
    }
    await request('POST', '/api/v1/environments/dev/services/catalog/scale', tokens['admin'], { instances: 1 });
    const after = access.audit.list({ limit: 10_000 });
    expect(after.slice(after.length - before.length)).toEqual(before);
    expect(after[0]).toMatchObject({ actor: 'admin', role: 'admin', summary: 'scale catalog in dev to 1 instances', status: 200, code: null });
    expect(Date.parse(after[0]?.time ?? '')).toBeGreaterThan(Date.now() - 60_000);

    const mine = (await request('GET', '/api/v1/audit?who=viewer&limit=3', tokens['viewer'])).json() as { actor: string; status: number }[];
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((entry) => entry.actor === 'viewer' && entry.status === 403)).toBe(true);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await request('GET', `/api/v1/audit?since=${future}`, tokens['viewer'])).json()).toEqual([]);
    expect((await request('GET', '/api/v1/audit?since=yesterday', tokens['viewer'])).json()).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'query.since' });
  });
});
