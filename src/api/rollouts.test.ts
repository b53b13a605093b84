/**
 * The rollout and parallel-run routes over a scripted port (the real controller is exercised by
 * test/e2e/rollouts.test.ts): paths, bodies, errors, who may act.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SkiffError } from '../core/errors.js';
import { buildApp } from './app.js';
import type { ParallelView, RolloutAction, RolloutPort, RolloutView } from './rollout-port.js';
import { MemoryControlPlane } from './testing/memory-control-plane.js';
import { createTestAccess, injectWith, type TestAccess } from './testing/test-access.js';

const view: RolloutView = {
  id: 7,
  environment: 'dev',
  service: 'web',
  strategy: 'canary',
  settings: { steps: [{ kind: 'weight', weight: 10 }] },
  stable: { release: 'v1', artifact: null, configHash: 'a' },
  next: { release: 'v2', artifact: null, configHash: 'b' },
  active: true,
  phase: 'analysing',
  result: null,
  reason: 'step 2 of 2',
  step: 1,
  steps: [
    { index: 0, kind: 'weight', label: 'weight 10%', state: 'done' },
    { index: 1, kind: 'full', label: 'all traffic to v2', state: 'current' },
  ],
  weights: { v1: 90, v2: 10 },
  matches: [],
  preview: null,
  analyses: [],
  requests: { paused: false, promote: false, abort: false },
  actions: [],
  trigger: 'deploy',
  author: 'ana',
  startedAt: '2026-11-26T10:00:00.000Z',
  updatedAt: '2026-11-26T10:00:01.000Z',
  finishedAt: null,
};

const parallel: ParallelView = {
  environment: 'dev',
  service: 'web',
  active: true,
  candidate: 'v1',
  trusted: 'v2',
  author: 'ana',
  startedAt: '2026-11-26T10:00:00.000Z',
  settings: { percent: 100, methods: ['GET'], compareHeaders: ['content-type'], ignoreFields: [] },
  compared: 0,
  matchRate: null,
  routes: [],
  unreadRouters: [],
};

class ScriptedRollouts implements RolloutPort {
  readonly calls: string[] = [];
  rollout(environment: string, service: string): RolloutView {
    if (service !== 'web') throw new SkiffError('SKIFF_NO_ROLLOUT', `${service} has had no rollout in ${environment}`);
    return view;
  }
  act(options: { environment: string; service: string; action: RolloutAction; author: string }): RolloutView {
    this.calls.push(`${options.action} ${options.service} ${options.environment} by ${options.author}`);
    return { ...view, requests: { ...view.requests, paused: options.action === 'pause' } };
  }
  async startParallel(options: { environment: string; service: string; release?: string; version?: string; author: string }): Promise<ParallelView> {
    this.calls.push(`parallel ${options.release ?? options.version} by ${options.author}`);
    return parallel;
  }
  async parallel(): Promise<ParallelView> {
    return parallel;
  }
  async stopParallel(options: { environment: string; service: string; author: string }): Promise<ParallelView> {
    this.calls.push(`stop ${options.service} by ${options.author}`);
    return { ...parallel, active: false };
  }
}

let app: FastifyInstance;
let access: TestAccess;
let rollouts: ScriptedRollouts;

beforeEach(() => {
  access = createTestAccess();
  rollouts = new ScriptedRollouts();
  app = buildApp({ controlPlane: new MemoryControlPlane(), tokens: access.tokens, audit: access.audit, rollouts, version: '1.0.0' });
});

afterEach(async () => {
  await app.close();
  access.close();
});

const path = '/api/v1/environments/dev/services/web';

describe('rollout routes', () => {
  it('shows the rollout, and says clearly when a service has had none', async () => {
    const inject = injectWith(app, access.token('ana', 'viewer'));
    const shown = await inject(`${path}/rollout`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ strategy: 'canary', weights: { v1: 90, v2: 10 }, steps: [{ state: 'done' }, { state: 'current' }] });
    const none = await inject('/api/v1/environments/dev/services/api/rollout');
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ code: 'SKIFF_NO_ROLLOUT' });
  });

  it("takes a person's request from someone who may deploy in that environment, recording the token's name", async () => {
    const deployer = injectWith(app, access.token('bo', 'deployer', ['dev']));
    const paused = await deployer({ method: 'POST', url: `${path}/rollout/pause`, payload: {} });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ requests: { paused: true } });
    for (const action of ['promote', 'resume', 'abort', 'undo']) {
      expect((await deployer({ method: 'POST', url: `${path}/rollout/${action}` })).statusCode).toBe(200);
    }
    expect(rollouts.calls).toEqual(['pause web dev by bo', 'promote web dev by bo', 'resume web dev by bo', 'abort web dev by bo', 'undo web dev by bo']);

    const viewer = injectWith(app, access.token('cy', 'viewer'));
    expect((await viewer({ method: 'POST', url: `${path}/rollout/abort`, payload: {} })).statusCode).toBe(403);
    const elsewhere = injectWith(app, access.token('di', 'deployer', ['prod']));
    expect((await elsewhere({ method: 'POST', url: `${path}/rollout/abort`, payload: {} })).statusCode).toBe(403);
    expect(rollouts.calls).toHaveLength(5);
    expect((await deployer({ method: 'POST', url: `${path}/rollout/rewind`, payload: {} })).statusCode).toBe(404);
  });
});

describe('parallel-run routes', () => {
  it('starts a run of a release or an artifact, refuses a body naming both or neither, shows and stops it', async () => {
    const inject = injectWith(app, access.token('ana'));
    const started = await inject({ method: 'POST', url: `${path}/parallel`, payload: { release: 'v1' } });
    expect(started.statusCode).toBe(201);
    expect(started.json()).toMatchObject({ candidate: 'v1', trusted: 'v2' });
    for (const payload of [{}, { release: 'v1', version: 'latest' }, { release: 'one' }]) {
      const refused = await inject({ method: 'POST', url: `${path}/parallel`, payload });
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'SKIFF_BAD_REQUEST' });
    }
    expect((await inject(`${path}/parallel`)).json()).toMatchObject({ active: true });
    const stopped = await inject({ method: 'DELETE', url: `${path}/parallel` });
    expect(stopped.statusCode).toBe(200);
    expect(stopped.json()).toMatchObject({ active: false });
    expect(rollouts.calls).toEqual(['parallel v1 by ana', 'stop web by ana']);
  });

  it('lists the routes in the OpenAPI document', async () => {
    const document = (await injectWith(app, access.token('ana'))('/api/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/environments/{env}/services/{service}/rollout',
        '/api/v1/environments/{env}/services/{service}/rollout/promote',
        '/api/v1/environments/{env}/services/{service}/parallel',
      ]),
    );
  });
});
