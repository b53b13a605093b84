/** The runner with a scripted control plane: deploy and promote stages follow the rollout their release started. */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import type { PipelineSpec } from '../spec/schema.js';
import type { PipelineControlPort, PipelineEvent, PipelineRunRepository, RolloutProgress } from './ports.js';
import type { NewPipelineRun, PipelineRun } from './run.js';
import { PipelineRunner } from './runner.js';

function memoryRuns(): PipelineRunRepository {
  const runs = new Map<number, PipelineRun>();
  return {
    create: (run: NewPipelineRun) => {
      const saved = { ...run, id: runs.size + 1 };
      runs.set(saved.id, saved);
      return saved;
    },
    save: (run) => void runs.set(run.id, run),
    get: (id) => runs.get(id) ?? null,
    list: () => [...runs.values()].reverse(),
    unfinished: () => [...runs.values()].filter((run) => run.state === 'running' || run.state === 'waiting'),
  };
}

const pipeline: PipelineSpec = {
  stages: [
    { kind: 'build', name: 'build' },
    { kind: 'deploy', name: 'deploy-dev', environment: 'dev' },
    { kind: 'check', name: 'smoke', command: ['true'], environment: 'dev', timeoutMs: 1000 },
  ],
};

/** dev's rollouts as a script: the deploy starts rollout 2 of v2, each later look moves it along `states`. */
function control(states: readonly RolloutProgress[], person?: { onWait: () => void }) {
  const events: PipelineEvent[] = [];
  let deployed = false;
  let looks = 0;
  const port: PipelineControlPort = {
    pipelines: () => ({ pipelines: { release: pipeline }, services: ['web'] }),
    build: async () => ({ digest: 'sha256:aa' }),
    deploy: async ({ version }) => ((deployed = true), { version: 'v2', artifact: version }),
    promote: async () => ({ version: 'v2', artifact: 'sha256:aa' }),
    currentRelease: () => ({ version: 'v1', artifact: null }),
    rollout: () => {
      if (!deployed) return { ...(states[0] as RolloutProgress), id: 1, release: 'v1', active: false, result: 'completed' };
      const state = states[Math.min(looks++, states.length - 1)] as RolloutProgress;
      if (state.waitsFor) person?.onWait();
      return state;
    },
    routed: async () => undefined,
    waitReady: async () => undefined,
    runCheck: async () => ({ exitCode: 0, timedOut: false, output: '' }),
    emit: (event) => void events.push(event),
  };
  return { port, events };
}

const progress = (change: Partial<RolloutProgress>): RolloutProgress => ({
  id: 2,
  release: 'v2',
  stable: 'v1',
  strategy: 'canary',
  active: true,
  phase: 'progressing',
  result: null,
  reason: 'step 1 of 2, 50% on v2',
  waitsFor: null,
  ...change,
});

async function runToEnd(port: PipelineControlPort, runs = memoryRuns()) {
  const runner = new PipelineRunner({ control: port, runs, clock: systemClock, rolloutPollMs: 1 });
  const started = runner.start({ service: 'web', by: { name: 'ana', role: 'admin', environments: null } });
  await runner.idle();
  return { run: runner.get(started.id), runs, runner };
}

describe('PipelineRunner with rollouts', () => {
  it('fails the deploy stage with the reason of the failed analysis, and runs no later stage', async () => {
    const reason = 'analysis "quick" failed: errorRate 30% > 1%; sending all traffic back to v1';
    const { port } = control([progress({}), progress({ phase: 'analysing' }), progress({ phase: 'aborted', reason })]);
    const { run } = await runToEnd(port);
    expect(run.state).toBe('failed');
    expect(run.stages.map((stage) => stage.state)).toEqual(['succeeded', 'failed', 'skipped']);
    expect(run.reason).toBe(`stage deploy-dev failed: canary rollout of web v2 in dev aborted: ${reason}`);
    expect(run.stages[1]?.log[0]).toBe('deployed sha256:aa to dev as v2');
  });

  it('logs, while the stage runs, that the rollout waits for a person, and succeeds once it is promoted', async () => {
    const waiting = progress({ strategy: 'blue-green', phase: 'paused', waitsFor: 'promote', reason: 'v2 is ready; promote to switch all traffic' });
    let seenWhileWaiting: readonly string[] = [];
    const runs = memoryRuns();
    const states = [progress({ strategy: 'blue-green' }), waiting, waiting, waiting, progress({ strategy: 'blue-green', phase: 'promoted', reason: 'all traffic on v2' })];
    const { port, events } = control(states, {
      // What `skiff pipeline status` shows while the rollout waits: the stage runs, its log says why.
      onWait: () => {
        const stage = runs.get(1)?.stages[1];
        if (stage?.state === 'running') seenWhileWaiting = stage.log;
      },
    });
    const { run } = await runToEnd(port, runs);
    expect(run.state).toBe('succeeded');
    expect(seenWhileWaiting.at(-1)).toContain('waits for a person: v2 is ready; promote to switch all traffic; go on with: skiff rollout promote web dev');
    expect(run.stages[1]?.log).toEqual([
      'deployed sha256:aa to dev as v2',
      'blue-green rollout of web v2 in dev progressing: step 1 of 2, 50% on v2',
      'blue-green rollout of web v2 in dev waits for a person: v2 is ready; promote to switch all traffic; go on with: skiff rollout promote web dev',
      'blue-green rollout of web v2 in dev: all traffic on v2',
    ]);
    // The stream told of the wait as it happened.
    expect(events.some((event) => event.type === 'pipeline.stage' && (event.data['log'] as string[]).some((line) => line.includes('waits for a person')))).toBe(true);
  });
});
