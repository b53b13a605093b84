import { describe, expect, it } from 'vitest';
import { judgeAnalysis, histogramOf, planRollout } from '../rollout/index.js';
import type { RolloutInstance } from '../rollout/index.js';
import { defaultAnalysis } from '../spec/schema.js';
import { afterPlan, desiredChange, rolledBack, rolloutInputOf, strategyFor, withRequest, withVerdict } from './deployment.js';
import type { Deployment, DeploymentGroups } from './deployment.js';
import { deployment, desiredService, strategy } from './testing/deployments.js';

const v1 = desiredService('v1');
const v2 = desiredService('v2');
const v3 = desiredService('v3');
const counts = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('desiredChange', () => {
  const none = counts({});
  it.each([
    ['nothing ran before (a first deploy)', null, v2, counts({})],
    ['the same content as what runs', v2, v2, counts({ 'hash-v2': 2 })],
    ['nothing of the settled release runs (scaled to 0)', v1, v2, counts({})],
  ])('starts no rollout when %s', (_, settled, desired, live) => {
    expect(desiredChange({ active: null, settled, desired, liveByHash: live, readyByHash: none })).toEqual({ kind: 'none' });
  });

  it('starts a rollout from the settled release when it runs', () => {
    expect(desiredChange({ active: null, settled: v1, desired: v2, liveByHash: counts({ 'hash-v1': 2 }), readyByHash: none })).toEqual({ kind: 'start', stable: v1 });
  });

  it('keeps a rollout going for the same content, rolls it back for the stable content, ends it when nothing is deployed', () => {
    const active = deployment();
    const input = { active, settled: null, liveByHash: none, readyByHash: none };
    expect(desiredChange({ ...input, desired: v2 })).toEqual({ kind: 'refresh' });
    expect(desiredChange({ ...input, desired: desiredService('v4', 'hash-v1') })).toEqual({ kind: 'abort' });
    expect(desiredChange({ ...input, desired: desiredService('v2', 'none', { release: null }) })).toEqual({ kind: 'cancel' });
  });

  it('supersedes a rollout with a newer release, from whichever release carries more ready instances', () => {
    const active = deployment();
    const input = { active, settled: null, desired: v3, liveByHash: none };
    expect(desiredChange({ ...input, readyByHash: counts({ 'hash-v1': 2, 'hash-v2': 1 }) })).toEqual({ kind: 'start', stable: v1 });
    expect(desiredChange({ ...input, readyByHash: counts({ 'hash-v1': 1, 'hash-v2': 2 }) })).toEqual({ kind: 'start', stable: v2 });
    // Switched (blue-green keeping its old release): the new release carries everything.
    const promoted = { ...input, active: { ...active, phase: 'promoted' as const }, readyByHash: counts({ 'hash-v1': 2, 'hash-v2': 2 }) };
    expect(desiredChange(promoted)).toEqual({ kind: 'start', stable: v2 });
  });
});

describe('strategyFor', () => {
  const canary = strategy({ type: 'canary', steps: [{ weight: 5 }] });
  it("uses the service's strategy, a person's choice, and rolling for rollbacks of canary or blue-green services", () => {
    expect(strategyFor(canary, 'deploy')).toBe(canary);
    expect(strategyFor(canary, 'rollback')).toMatchObject({ type: 'rolling', drainTimeout: 30_000 });
    expect(strategyFor(canary, 'restore').type).toBe('rolling');
    expect(strategyFor(canary, 'deploy', 'blue-green')).toMatchObject({ type: 'blue-green', previewHeader: 'x-skiff-preview' });
    expect(strategyFor(canary, 'rollback', 'canary')).toBe(canary);
    const recreate = strategy({ type: 'recreate' });
    expect(strategyFor(recreate, 'rollback')).toBe(recreate);
  });
});

/** Instances of the two releases in the given states. */
function groups(stable: RolloutInstance['state'][], next: RolloutInstance['state'][]): DeploymentGroups {
  return {
    stable: stable.map((state, index) => ({ id: `s${index}`, release: 'v1', state })),
    next: next.map((state, index) => ({ id: `n${index}`, release: 'v2', state })),
  };
}

function step(current: Deployment, observed: DeploymentGroups, now: number) {
  const plan = planRollout(rolloutInputOf(current, observed, 2, now));
  const finished = plan.phase === 'completed' || (plan.phase === 'aborted' && rolledBack(observed, 2));
  return { plan, ...afterPlan(current, plan, finished, now) };
}

describe('afterPlan', () => {
  const canary = strategy({ type: 'canary', steps: [{ weight: 50 }, { analysis: 'default' }] });

  it('reports each new step with its weights, the switch of all traffic and the end', () => {
    let current = deployment({ strategy: canary });
    const types: string[] = [];
    const run = (observed: DeploymentGroups, now: number) => {
      const result = step(current, observed, now);
      current = result.deployment;
      types.push(...result.events.map((event) => `${event.type}${event.data['weights'] ? ` ${JSON.stringify(event.data['weights'])}` : ''}`));
      return result;
    };
    const starting = run(groups(['ready', 'ready'], []), 1_000_000);
    expect(starting.plan.start).toEqual([{ release: 'v2', count: 1 }]);
    const analysing = run(groups(['ready', 'ready'], ['ready']), 1_000_100);
    expect(analysing.plan.analysis).toMatchObject({ name: 'default', step: 1 });
    const window = { requests: 200, errors: 0, latency: histogramOf(Array.from({ length: 200 }, () => 5)) };
    current = withVerdict(current, { step: 1, name: 'default', since: 1_000_100, at: 1_030_000, verdict: judgeAnalysis(defaultAnalysis, { canary: window, stable: window }) });
    run(groups(['ready', 'ready'], ['ready']), 1_030_000);
    run(groups(['ready', 'ready'], ['ready', 'ready']), 1_031_000);
    const done = run(groups([], ['ready', 'ready']), 1_032_000);
    expect(types).toEqual([
      'rollout.step {"v1":100}',
      'rollout.step {"v1":50,"v2":50}',
      'rollout.step {"v1":50,"v2":50}',
      'rollout.step {"v2":100}',
      'rollout.promoted {"v2":100}',
      'rollout.completed {"v2":100}',
    ]);
    expect(done.deployment).toMatchObject({ result: 'completed', finishedAt: 1_032_000, phase: 'completed' });
  });

  it('reports an abort once, and the rollback as the end with its cause', () => {
    let current = withRequest(deployment({ strategy: canary }), 'abort', 'ana', 1_000_050);
    const aborting = step(current, groups(['ready', 'ready'], ['ready']), 1_000_100);
    expect(aborting.events.map((event) => [event.type, event.actor])).toEqual([['rollout.aborted', 'ana']]);
    expect(aborting.plan.drain).toEqual(['n0']);
    current = aborting.deployment;
    expect(step(current, groups(['ready', 'ready'], ['stopping']), 1_000_200).events).toEqual([]);
    const back = step(current, groups(['ready', 'ready'], []), 1_000_300);
    expect(back.deployment).toMatchObject({ result: 'aborted', reason: 'rolled back to v1: aborted by a person' });
    expect(back.events.map((event) => event.type)).toEqual(['rollout.completed']);
  });

  it('reports a pause the strategy makes, not one a person asked for', () => {
    const blueGreen = strategy({ type: 'blue-green' });
    const waiting = step(deployment({ strategy: blueGreen }), groups(['ready', 'ready'], ['ready', 'ready']), 1_000_000);
    expect(waiting.deployment.phase).toBe('paused');
    expect(waiting.events.map((event) => event.type)).toEqual(['rollout.step', 'rollout.paused']);
    const held = step(withRequest(deployment({ strategy: canary }), 'pause', 'ana', 1), groups(['ready', 'ready'], []), 1_000_000);
    expect(held.deployment.phase).toBe('paused');
    expect(held.events.filter((event) => event.type === 'rollout.paused')).toEqual([]);
  });
});

describe('requests and verdicts', () => {
  it('records who asked what; resume releases a pause and is dated', () => {
    const paused = withRequest(deployment(), 'pause', 'ana', 10);
    const resumed = withRequest(paused, 'resume', 'bo', 20);
    expect(resumed.requests).toEqual({ paused: false, promote: false, abort: false, resumedAt: 20 });
    expect(resumed.actions.map((request) => `${request.action} ${request.author}`)).toEqual(['pause ana', 'resume bo']);
    expect(withRequest(paused, 'undo', 'ana', 30).requests).toMatchObject({ abort: true, paused: false });
  });

  it('keeps one inconclusive verdict per step, replaced by the next judgement', () => {
    const window = (requests: number) => ({ requests, errors: 0, latency: histogramOf(Array.from({ length: requests }, () => 5)) });
    const judged = (requests: number, at: number) => ({ step: 1, name: 'default', since: 0, at, verdict: judgeAnalysis(defaultAnalysis, { canary: window(requests), stable: window(500) }) });
    let current = withVerdict(deployment(), judged(10, 1));
    current = withVerdict(current, judged(20, 2));
    expect(current.verdicts.map((verdict) => [verdict.verdict.outcome, verdict.at])).toEqual([['inconclusive', 2]]);
    current = withVerdict(current, judged(200, 3));
    expect(current.verdicts.map((verdict) => verdict.verdict.outcome)).toEqual(['pass']);
  });
});
