/**
 * The pipeline routes over the real runner and SQLite run store; the control port is scripted
 * (the real one is exercised by test/e2e/pipelines.test.ts).
 */
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { SkiffError } from '../core/errors.js';
import { PipelineRunner } from '../pipeline/runner.js';
import type { PipelineControlPort, PipelineEvent } from '../pipeline/ports.js';
import type { PipelineRun } from '../pipeline/run.js';
import type { PipelineSpec } from '../spec/schema.js';
import { createPipelineStore } from '../store/pipeline-store.js';
import { buildApp } from './app.js';
import { MemoryControlPlane } from './testing/memory-control-plane.js';
import { createTestAccess, injectWith, type Inject, type TestAccess } from './testing/test-access.js';

const release: PipelineSpec = {
  services: ['web'],
  stages: [
    { kind: 'build', name: 'build' },
    { kind: 'deploy', name: 'deploy-dev', environment: 'dev' },
    { kind: 'check', name: 'smoke', command: ['node', 'smoke.mjs'], environment: 'dev', timeoutMs: 1000 },
    { kind: 'approval', name: 'go-live' },
    { kind: 'promote', name: 'promote-prod', from: 'dev', to: 'prod' },
  ],
};

/** Its approval needs an admin other than the one who started the run. */
const guarded: PipelineSpec = {
  services: ['api'],
  stages: [
    { kind: 'build', name: 'build' },
    { kind: 'deploy', name: 'deploy-dev', environment: 'dev' },
    { kind: 'approval', name: 'sign-off', role: 'admin', distinctFrom: 'starter' },
    { kind: 'promote', name: 'promote-prod', from: 'dev', to: 'prod' },
  ],
};

let db: Database.Database;
let app: FastifyInstance;
let access: TestAccess;
/** As the admins "ana" and "bob". */
let asAna: Inject;
let asBob: Inject;
let runner: PipelineRunner;
let checkExit: number;
let deployFails: boolean;
const events: PipelineEvent[] = [];
const calls: string[] = [];

function control(): PipelineControlPort {
  let version = 0;
  return {
    pipelines: () => ({
      pipelines: { release, other: { services: ['api'], stages: [{ kind: 'build', name: 'build' }] }, guarded },
      services: ['web', 'api'],
    }),
    build: async () => (calls.push('build'), { digest: 'sha256:aa' }),
    deploy: async ({ environment, version: artifact }) => {
      calls.push(`deploy ${artifact} ${environment}`);
      if (deployFails) throw new SkiffError('SKIFF_ARTIFACT_DIGEST_MISMATCH', 'the stored artifact does not match its digest');
      return { version: `v${++version}`, artifact };
    },
    promote: async ({ from, to }) => (calls.push(`promote ${from} ${to}`), { version: `v${++version}`, artifact: 'sha256:aa' }),
    currentRelease: () => ({ version: 'v1', artifact: 'sha256:aa' }),
    rollout: () => null,
    routed: async () => undefined,
    waitReady: async ({ environment, release: name }) => void calls.push(`ready ${environment} ${name}`),
    runCheck: async () => (calls.push('check'), { exitCode: checkExit, timedOut: false, output: `smoke says ${checkExit}` }),
    emit: (event) => void events.push(event),
  };
}

beforeEach(async () => {
  checkExit = 0;
  deployFails = false;
  events.length = 0;
  calls.length = 0;
  db = new Database(':memory:');
  runner = new PipelineRunner({ control: control(), runs: createPipelineStore<PipelineRun>(db, systemClock), clock: systemClock });
  access = createTestAccess({ database: db });
  app = buildApp({ controlPlane: new MemoryControlPlane(), tokens: access.tokens, audit: access.audit, pipelines: runner, version: '1.0.0' });
  asAna = injectWith(app, access.token('ana'));
  asBob = injectWith(app, access.token('bob'));
  await app.ready();
});
afterEach(async () => {
  await app.close();
  await runner.idle();
  db.close();
});

async function start(body: Record<string, unknown>, inject: Inject = asAna) {
  return inject({ method: 'POST', url: '/api/v1/pipelines/runs', payload: body });
}

async function settled(id: number): Promise<PipelineRun> {
  await runner.idle();
  return (await asAna(`/api/v1/pipelines/runs/${id}`)).json() as PipelineRun;
}

const approve = (inject: Inject, id: number, stage: string) =>
  inject({ method: 'POST', url: `/api/v1/pipelines/runs/${id}/stages/${stage}/approve`, payload: {} });

describe('pipeline routes', () => {
  it('starts a run, which stops at the approval until it is given', async () => {
    // The token's name is recorded as who started it; an `author` field from an older client is ignored.
    const started = await start({ service: 'web', author: 'mallory' });
    expect(started.statusCode).toBe(201);
    expect(started.json()).toMatchObject({ id: 1, pipeline: 'release', service: 'web', author: 'ana' });

    const waiting = await settled(1);
    expect(waiting.state).toBe('waiting');
    expect(waiting.stages.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'waiting', 'pending']);
    expect(waiting.stages[2]?.log).toEqual(['smoke says 0', 'check smoke passed']);
    expect(calls).toEqual(['build', 'deploy sha256:aa dev', 'ready dev v1', 'check']);

    const approved = await approve(asBob, 1, 'go-live');
    expect(approved.statusCode).toBe(200);
    expect(approved.json().stages[3]).toMatchObject({ state: 'succeeded', approvedBy: 'bob' });
    const done = await settled(1);
    expect(done.state).toBe('succeeded');
    expect(calls.slice(-2)).toEqual(['promote dev prod', 'ready prod v2']);
    expect(events.filter((e) => e.type === 'pipeline.stage').map((e) => `${e.data['stage']} ${e.data['state']}`)).toContain('go-live waiting');

    const list = await asAna('/api/v1/pipelines/runs?service=web');
    expect(list.json().map((r: PipelineRun) => [r.id, r.state])).toEqual([[1, 'succeeded']]);
  });

  it('a failing check fails the run and skips the later stages', async () => {
    checkExit = 2;
    await start({ service: 'web' });
    const run = await settled(1);
    expect(run.state).toBe('failed');
    expect(run.stages.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'failed', 'skipped', 'skipped']);
    expect(run.reason).toBe('stage smoke failed: check smoke exited with 2');
    expect(calls).not.toContain('promote dev prod');
  });

  it('a refused deploy fails the run with the reason', async () => {
    deployFails = true;
    await start({ service: 'web' });
    const run = await settled(1);
    expect(run.stages[1]?.log.at(-1)).toBe('the stored artifact does not match its digest [SKIFF_ARTIFACT_DIGEST_MISMATCH]');
    expect(calls).not.toContain('check');
  });

  it.each([
    [{ service: 'nope' }, 404, 'SKIFF_UNKNOWN_SERVICE'],
    [{ service: 'web', pipeline: 'other' }, 404, 'SKIFF_PIPELINE_NOT_FOUND'],
    [{}, 400, 'SKIFF_BAD_REQUEST'],
  ])('refuses to start %o', async (body, status, code) => {
    const response = await start(body);
    expect(response.statusCode).toBe(status);
    expect(response.json().code).toBe(code);
  });

  it('approving a stage that is not waiting is refused and changes nothing', async () => {
    await start({ service: 'web' });
    const before = await settled(1);
    for (const [url, status, code] of [
      ['/api/v1/pipelines/runs/1/stages/smoke/approve', 409, 'SKIFF_STAGE_NOT_WAITING'],
      ['/api/v1/pipelines/runs/1/stages/nope/approve', 404, 'SKIFF_STAGE_NOT_FOUND'],
      ['/api/v1/pipelines/runs/9/stages/go-live/approve', 404, 'SKIFF_RUN_NOT_FOUND'],
    ] as const) {
      const response = await asAna({ method: 'POST', url, payload: {} });
      expect(response.statusCode, url).toBe(status);
      expect(response.json().code).toBe(code);
    }
    expect(await settled(1)).toEqual(before);
  });

  it('after a restart a run under way is failed and a waiting one still waits', async () => {
    await start({ service: 'web' });
    await settled(1);
    const store = createPipelineStore<PipelineRun>(db, systemClock);
    const interrupted = store.create({ ...(store.get(1) as PipelineRun), state: 'running', stages: (store.get(1) as PipelineRun).stages.map((s, i) => (i === 3 ? { ...s, state: 'running' } : s)) });
    const restarted = new PipelineRunner({ control: control(), runs: createPipelineStore<PipelineRun>(db, systemClock), clock: systemClock });
    restarted.recover();
    expect(restarted.get(1).state).toBe('waiting');
    expect(restarted.get(interrupted.id)).toMatchObject({ state: 'failed', reason: 'the control plane stopped while this run was under way' });
  });

  it('is in the OpenAPI document', async () => {
    const document = (await asAna('/api/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/pipelines/runs', '/api/v1/pipelines/runs/{id}', '/api/v1/pipelines/runs/{id}/stages/{stage}/approve']),
    );
  });
});

describe('who may start and approve', () => {
  it('an approval with distinctFrom: starter refuses the person who started the run, and changes nothing', async () => {
    const started = await start({ service: 'api', pipeline: 'guarded' });
    expect(started.json()).toMatchObject({ author: 'ana' });
    const before = await settled(1);
    expect(before.state).toBe('waiting');

    const refused = await approve(asAna, 1, 'sign-off');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'SKIFF_FORBIDDEN', message: 'sign-off of run 1 must be approved by someone other than ana, who started the run' });
    expect(await settled(1)).toEqual(before);

    const approved = await approve(asBob, 1, 'sign-off');
    expect(approved.statusCode).toBe(200);
    expect(approved.json().stages[2]).toMatchObject({ state: 'succeeded', approvedBy: 'bob' });
    expect((await settled(1)).state).toBe('succeeded');
  });

  it('an approval that needs an admin refuses a deployer, even one who may deploy everywhere', async () => {
    await start({ service: 'api', pipeline: 'guarded' });
    const before = await settled(1);
    const deployer = injectWith(app, access.token('cy', 'deployer'));
    const refused = await approve(deployer, 1, 'sign-off');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toBe('approving sign-off of run 1 needs the admin role; cy is a deployer (every environment)');
    expect(await settled(1)).toEqual(before);
  });

  it('approving needs deploy in the environments the next stages deploy to; starting, in those before the first approval', async () => {
    const devOnly = injectWith(app, access.token('dee', 'deployer', ['dev']));
    const prodOnly = injectWith(app, access.token('pat', 'deployer', ['prod']));
    const viewer = injectWith(app, access.token('vic', 'viewer'));

    // release: build, deploy dev, check, approval go-live, promote dev -> prod.
    const refusedStart = await start({ service: 'web' }, prodOnly);
    expect(refusedStart.statusCode).toBe(403);
    expect(refusedStart.json().message).toContain('deploys to dev before any approval');
    expect((await start({ service: 'web' }, viewer)).statusCode).toBe(403);
    expect((await asAna('/api/v1/pipelines/runs')).json()).toEqual([]);

    expect((await start({ service: 'web' }, devOnly)).statusCode).toBe(201);
    const before = await settled(1);
    expect(before.author).toBe('dee');
    const refused = await approve(devOnly, 1, 'go-live');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toBe('approving go-live of run 1 lets the run deploy to prod; dee is a deployer (dev) and may not deploy there');
    expect((await approve(viewer, 1, 'go-live')).statusCode).toBe(403);
    expect(await settled(1)).toEqual(before);

    const approved = await approve(prodOnly, 1, 'go-live');
    expect(approved.statusCode).toBe(200);
    expect((await settled(1)).stages[3]).toMatchObject({ approvedBy: 'pat' });
  });
});
