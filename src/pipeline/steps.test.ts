import { describe, expect, it } from 'vitest';
import { isSkiffError } from '../core/errors.js';
import type { PipelineSpec, PipelineStageSpec } from '../spec/schema.js';
import { newRun } from './run.js';
import type { PipelineRun, RunState, StageState } from './run.js';
import { approveStage, choosePipeline, failRun, finishStage, nextAction, recoverRun, startStage } from './steps.js';

const stages: PipelineStageSpec[] = [
  { kind: 'build', name: 'build' },
  { kind: 'deploy', name: 'deploy-dev', environment: 'dev' },
  { kind: 'check', name: 'smoke', command: ['node', 'smoke.mjs'], environment: 'dev', timeoutMs: 1000 },
  { kind: 'approval', name: 'go-live' },
  { kind: 'promote', name: 'promote-prod', from: 'dev', to: 'prod' },
];

/** A run whose stages have the given states (by letter: p r w s f k=skipped). */
function runWith(states: string, runState: RunState = 'running'): PipelineRun {
  const letters: Record<string, StageState> = { p: 'pending', r: 'running', w: 'waiting', s: 'succeeded', f: 'failed', k: 'skipped' };
  const base = newRun({ pipeline: 'release', service: 'web', author: 'ana', stages, now: 0 });
  return {
    ...base,
    id: 7,
    state: runState,
    stages: base.stages.map((stage, i) => ({ ...stage, state: letters[states[i] as string] as StageState })),
  };
}

const letter = (run: PipelineRun): string => run.stages.map((s) => ({ pending: 'p', running: 'r', waiting: 'w', succeeded: 's', failed: 'f', skipped: 'k' })[s.state]).join('');

describe('nextAction', () => {
  it.each([
    ['ppppp', 'running', { kind: 'run-stage', index: 0 }],
    ['ssppp', 'running', { kind: 'run-stage', index: 2 }],
    ['ssspp', 'running', { kind: 'await-approval', index: 3 }],
    ['ssswp', 'waiting', { kind: 'idle' }],
    ['srppp', 'running', { kind: 'idle' }],
    ['ssfpp', 'running', { kind: 'fail-run', index: 2 }],
    ['sssss', 'running', { kind: 'succeed-run' }],
    ['ssfkk', 'failed', { kind: 'idle' }],
    ['sssss', 'succeeded', { kind: 'idle' }],
  ] as const)('%s (%s) → %o', (states, runState, expected) => {
    expect(nextAction(runWith(states, runState))).toEqual(expected);
  });
});

describe('stage transitions', () => {
  it('a started approval waits, and so does the run', () => {
    const run = startStage(runWith('ssspp'), 3, 1000);
    expect(letter(run)).toBe('ssswp');
    expect(run.state).toBe('waiting');
    expect(run.stages[3]?.startedAt).toBe(new Date(1000).toISOString());
  });

  it('a finished stage keeps its log and carries the artifact on', () => {
    const run = finishStage(startStage(runWith('ppppp'), 0, 0), 0, { ok: true, log: ['built sha256:ab'], artifact: 'sha256:ab' }, 500);
    expect(letter(run)).toBe('spppp');
    expect(run.artifact).toBe('sha256:ab');
    expect(run.stages[0]?.log).toEqual(['built sha256:ab']);
  });

  it('a failed stage fails the run and skips every later stage', () => {
    const failedCheck = finishStage(runWith('ssrpp'), 2, { ok: false, log: ['check smoke exited with 1'] }, 900);
    expect(nextAction(failedCheck)).toEqual({ kind: 'fail-run', index: 2 });
    const run = failRun(failedCheck, 2, 1000);
    expect(letter(run)).toBe('ssfkk');
    expect(run.state).toBe('failed');
    expect(run.reason).toBe('stage smoke failed: check smoke exited with 1');
  });
});

describe('approveStage', () => {
  it('records who and when, and the run goes on', () => {
    const run = approveStage(runWith('ssswp', 'waiting'), 'go-live', 'ana', 2000);
    expect(letter(run)).toBe('ssssp');
    expect(run.state).toBe('running');
    expect(run.stages[3]).toMatchObject({ approvedBy: 'ana', approvedAt: new Date(2000).toISOString() });
    expect(nextAction(run)).toEqual({ kind: 'run-stage', index: 4 });
  });

  it.each([
    ['a stage not yet waiting', 'ssrpp', 'go-live', 'SKIFF_STAGE_NOT_WAITING'],
    ['a stage that is not an approval', 'ssswp', 'smoke', 'SKIFF_STAGE_NOT_WAITING'],
    ['an approval already given', 'sssss', 'go-live', 'SKIFF_STAGE_NOT_WAITING'],
    ['an unknown stage', 'ssswp', 'go-dead', 'SKIFF_STAGE_NOT_FOUND'],
  ])('refuses %s', (_what, states, stage, code) => {
    const run = runWith(states);
    const before = structuredClone(run);
    try {
      approveStage(run, stage, 'ana', 0);
      expect.unreachable();
    } catch (error) {
      expect(isSkiffError(error) && error.code).toBe(code);
    }
    expect(run).toEqual(before);
  });
});

describe('recoverRun', () => {
  it.each([
    ['a stage under way fails with the reason', 'srppp', 'running', 'sfkkk', 'failed'],
    ['between stages the run fails too', 'ssppp', 'running', 'sskkk', 'failed'],
    ['a waiting approval keeps waiting', 'ssswp', 'waiting', 'ssswp', 'waiting'],
    ['a finished run is left alone', 'ssfkk', 'failed', 'ssfkk', 'failed'],
  ] as const)('%s', (_what, states, runState, expectedStages, expectedState) => {
    const run = recoverRun(runWith(states, runState), 5000);
    expect(letter(run)).toBe(expectedStages);
    expect(run.state).toBe(expectedState);
    if (runState === 'running') expect(run.reason).toContain('control plane stopped');
  });
});

describe('choosePipeline', () => {
  const pipeline = (services?: string[]): PipelineSpec => ({ ...(services ? { services } : {}), stages: [{ kind: 'build', name: 'build' }] });
  const pipelines = { release: pipeline(['web']), all: pipeline(), api: pipeline(['api']) };

  it.each([
    ['the only one covering the service', { api2: pipeline(['api']), web: pipeline(['web']) }, 'web', undefined, 'web'],
    ['one without services covers every service', { all: pipeline() }, 'web', undefined, 'all'],
    ['the named one', pipelines, 'web', 'release', 'release'],
  ] as const)('picks %s', (_what, given, service, name, expected) => {
    expect(choosePipeline(given, service, name).name).toBe(expected);
  });

  it.each([
    ['none covers the service', { api: pipeline(['api']) }, 'web', undefined, 'SKIFF_PIPELINE_NOT_FOUND'],
    ['several cover it', pipelines, 'web', undefined, 'SKIFF_PIPELINE_AMBIGUOUS'],
    ['the named one does not cover it', pipelines, 'web', 'api', 'SKIFF_PIPELINE_NOT_FOUND'],
    ['the named one does not exist', pipelines, 'web', 'nope', 'SKIFF_PIPELINE_NOT_FOUND'],
  ] as const)('refuses when %s', (_what, given, service, name, code) => {
    expect(() => choosePipeline(given, service, name)).toThrowError(expect.objectContaining({ code }));
  });
});
