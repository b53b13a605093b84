import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { isSkiffError } from '../core/errors.js';
import type { CountersSnapshot, Deployment } from './deployment.js';
import type { ParallelRun } from './parallel-run.js';
import { desiredService, observedInstance, strategy } from './testing/deployments.js';
import type { DesiredEnvironment, DesiredService } from '../spec/desired.js';
import type { StrategySpec } from '../spec/schema.js';
import { createDeploymentStore } from '../store/deployment-store.js';
import { openDatabase } from '../store/sqlite-store.js';
import type { NewEvent } from '../store/state-store.js';
import type { InstanceState, ObservedInstance } from '../core/instance.js';
import { RolloutController } from './rollout-controller.js';

const dirs: string[] = [];
const controllers: RolloutController[] = [];
afterEach(() => {
  for (const controller of controllers.splice(0)) controller.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  readonly controller: RolloutController;
  readonly events: NewEvent[];
  readonly aborted: Deployment[];
  /** What the router measures next, per release. */
  counters: CountersSnapshot['releases'];
}

function harness(dir: string): Harness {
  const db = openDatabase(dir);
  const store = createDeploymentStore<Deployment, ParallelRun>(db, { now: () => Date.now() });
  const events: NewEvent[] = [];
  const aborted: Deployment[] = [];
  const state: Harness = {
    events,
    aborted,
    counters: {},
    controller: new RolloutController({
      environment: 'dev',
      store,
      clock: { now: () => Date.now() },
      logger: pino({ level: 'silent' }),
      emit: (event) => events.push(event),
      measure: async () => ({ at: Date.now(), releases: state.counters }),
      onAborted: (deployment) => aborted.push(deployment),
      wake: () => undefined,
      routesChanged: () => undefined,
    }),
  };
  controllers.push(state.controller);
  return state;
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-rollouts-'));
  dirs.push(dir);
  return dir;
}

const environment = (service: DesiredService, analyses: DesiredEnvironment['analyses'] = {}): DesiredEnvironment => ({ name: 'dev', services: [service], analyses });

let ordinal = 0;
function instances(release: DesiredService, count: number, state: InstanceState = 'ready'): ObservedInstance[] {
  return Array.from({ length: count }, () => {
    ordinal += 1;
    return observedInstance(release, { id: `web-${ordinal}`, ordinal, state, address: { host: '127.0.0.1', port: 4000 + ordinal } });
  });
}

const release = (name: string, spec: StrategySpec) => desiredService(name, `hash-${name}`, { strategy: spec });

describe('RolloutController', () => {
  it('starts a deployment when the release changes, under the strategy a person chose, and a new controller resumes it', () => {
    const dir = tempDir();
    const first = harness(dir);
    const rolling = strategy({ type: 'rolling' });
    const v1 = release('v1', rolling);
    const running = instances(v1, 2);
    first.controller.onDesired(environment(v1), running);
    expect(first.controller.deployment('web')).toBeUndefined();

    const v2 = release('v2', rolling);
    first.controller.onDesired(environment(v2), running, { service: 'web', trigger: 'deploy', strategy: 'canary', author: 'ana' });
    const started = first.controller.deployment('web');
    expect(started).toMatchObject({ strategy: { type: 'canary' }, stable: { release: 'v1' }, next: { release: 'v2' }, author: 'ana', trigger: 'deploy' });
    expect(first.events.map((event) => [event.type, event.actor])).toEqual([['rollout.started', 'ana']]);
    const step = first.controller.plan('web', v2, running, Date.now());
    expect(step?.actions).toEqual([{ kind: 'start', group: 'next' }]);

    const second = harness(dir);
    second.controller.load();
    expect(second.controller.deployment('web')?.id).toBe(started?.id);
    // The same desired state after a restart keeps the deployment going.
    second.controller.onDesired(environment(v2), running);
    expect(second.controller.deployment('web')?.id).toBe(started?.id);
    expect(second.events).toEqual([]);
    const canary = [...instances(v2, 1), ...running];
    expect(second.controller.labelOf(canary[0]!, v2)).toBe('v2');
    second.controller.plan('web', v2, canary, Date.now());
    expect(second.controller.traffic(environment(v2)).get('dev/web')).toEqual({ weights: { v1: 90, v2: 10 } });
  });

  it('judges an analysis over the window measured from the router, and a failed one aborts and asks to restore the stable release', async () => {
    const h = harness(tempDir());
    const spec = strategy({ type: 'canary', steps: [{ weight: 50 }, { analysis: 'quick' }] });
    const analyses = { quick: { window: 50, minRequests: 10, checks: [{ kind: 'error-rate' as const, max: 0.01 }] } };
    const v1 = release('v1', spec);
    const v2 = release('v2', spec);
    const stable = instances(v1, 2);
    h.controller.onDesired(environment(v1, analyses), stable);
    h.controller.onDesired(environment(v2, analyses), stable);
    const all = [...stable, ...instances(v2, 1)];
    const counters = (requests: number, errors: number) => ({ requests, errors, boundsMs: [10], buckets: [requests, 0] });
    h.counters = { v1: counters(1000, 0), v2: counters(100, 0) };
    const analysing = h.controller.plan('web', v2, all, Date.now());
    expect(analysing?.deployment.phase).toBe('analysing');
    // The baseline is taken; then the canary fails half of its requests.
    await waitUntil(() => h.controller.deployment('web')?.window !== null);
    h.counters = { v1: counters(1200, 0), v2: counters(300, 100) };
    await waitUntil(() => h.events.some((event) => event.type === 'rollout.analysis'));
    const judged = h.events.find((event) => event.type === 'rollout.analysis');
    expect(judged?.data).toMatchObject({ outcome: 'fail', analysis: 'quick', canary: { requests: 200, errors: 100, errorRate: 0.5 } });

    const aborting = h.controller.plan('web', v2, all, Date.now());
    expect(aborting?.deployment.phase).toBe('aborted');
    expect(aborting?.actions.filter((action) => action.kind === 'drain')).toHaveLength(1);
    // Record, then notify: the revert is asked for after the step, never inside it.
    expect(h.aborted).toEqual([]);
    await waitUntil(() => h.aborted.length > 0);
    expect(h.aborted.map((deployment) => deployment.id)).toEqual([aborting?.deployment.id]);
    expect(h.controller.traffic(environment(v2)).get('dev/web')).toEqual({ weights: { v1: 100 } });
    expect(h.events.map((event) => event.type)).toContain('rollout.aborted');

    const done = h.controller.plan('web', v2, stable, Date.now());
    expect(done?.deployment).toMatchObject({ result: 'aborted' });
    expect(h.controller.deployment('web')).toBeUndefined();
  });

  it("refuses what a rollout cannot do, with a clear error, and records people's requests", () => {
    const h = harness(tempDir());
    const rolling = strategy({ type: 'rolling' });
    const v1 = release('v1', rolling);
    const code = (action: () => unknown): string | undefined => {
      try {
        action();
        return undefined;
      } catch (error) {
        return isSkiffError(error) ? error.code : String(error);
      }
    };
    expect(code(() => h.controller.request('web', 'pause', 'ana'))).toBe('SKIFF_NO_ROLLOUT');
    const running = instances(v1, 2);
    h.controller.onDesired(environment(v1), running);
    const v2 = release('v2', rolling);
    h.controller.onDesired(environment(v2), running);
    expect(code(() => h.controller.request('web', 'promote', 'ana'))).toBe('SKIFF_ROLLOUT_ACTION_INVALID');
    expect(h.controller.request('web', 'pause', 'ana').requests.paused).toBe(true);
    expect(h.events.at(-1)).toMatchObject({ type: 'rollout.paused', actor: 'ana' });
    const held = h.controller.plan('web', v2, running, Date.now());
    expect(held?.actions).toEqual([]);
    h.controller.request('web', 'resume', 'bo');
    expect(h.controller.plan('web', v2, running, Date.now())?.actions).toEqual([{ kind: 'start', group: 'next' }]);
    expect(h.controller.plan('web', v2, instances(v2, 2), Date.now())?.deployment.result).toBe('completed');
    expect(code(() => h.controller.request('web', 'abort', 'ana'))).toBe('SKIFF_ROLLOUT_FINISHED');
  });

  it('runs a candidate beside the trusted release with no normal traffic and a mirror, and refuses one during a rollout', () => {
    const h = harness(tempDir());
    const v2 = release('v2', strategy({ type: 'rolling' }));
    const v1 = release('v1', strategy({ type: 'rolling' }));
    h.controller.onDesired(environment(v2), instances(v2, 1));
    h.controller.startParallel({ environment: 'dev', service: 'web', candidate: v1, trusted: 'v2', spec: v2.parallel, author: 'ana', startedAt: 0 });
    const [candidate] = instances(v1, 1);
    expect(h.controller.labelOf(candidate!, v2)).toBe('v1');
    expect(h.controller.traffic(environment(v2)).get('dev/web')).toMatchObject({ weights: { v2: 100 }, mirror: { candidateRelease: 'v1', methods: ['GET', 'HEAD', 'OPTIONS'] } });
    h.controller.stopParallel('web', 'ana');
    expect(h.controller.traffic(environment(v2)).size).toBe(0);
    expect(h.events.map((event) => event.type)).toEqual(['parallel.started', 'parallel.stopped']);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
