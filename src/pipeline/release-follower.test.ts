import { describe, expect, it } from 'vitest';
import { SkiffError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { RolloutProgress } from './ports.js';
import { followRelease } from './release-follower.js';
import type { ReleaseFollowerDeps } from './release-follower.js';

const base: RolloutProgress = {
  id: 2,
  release: 'v2',
  stable: 'v1',
  strategy: 'blue-green',
  active: true,
  phase: 'progressing',
  result: null,
  reason: 'starting v2 beside v1: 0 of 2 ready',
  waitsFor: null,
};
const awaitingPromote: RolloutProgress = { ...base, phase: 'paused', waitsFor: 'promote', reason: 'v2 is ready; promote to switch all traffic' };
const promoted: RolloutProgress = { ...base, phase: 'promoted', reason: 'all traffic on v2; v1 kept for an undo' };

/** The control port as a script: each look at the rollout gets the next state (the last one repeats). */
function scripted(states: readonly (RolloutProgress | null)[], options: { ready?: () => Promise<void> } = {}) {
  const calls: string[] = [];
  let index = 0;
  const control: ReleaseFollowerDeps['control'] = {
    rollout: () => states[Math.min(index++, states.length - 1)] ?? null,
    routed: async (environment) => void calls.push(`routed ${environment}`),
    waitReady: async ({ release, timeoutMs }) => {
      calls.push(`waitReady ${release} within ${timeoutMs}`);
      await options.ready?.();
    },
  };
  return { control, calls };
}

/** A clock that moves a second each time it is read: a deadline is reached in a known number of looks. */
function steppingClock(): Clock {
  let now = 0;
  return { now: () => (now += 1000) };
}

const target = { environment: 'dev', service: 'web', release: 'v2', before: 1 };

async function follow(control: ReleaseFollowerDeps['control'], timeoutMs = 600_000) {
  const notes: string[] = [];
  const outcome = await followRelease({ control, clock: steppingClock(), pollMs: 1 }, { target, timeoutMs, note: (line) => void notes.push(line) });
  return { outcome, notes };
}

describe('followRelease', () => {
  it('waits while a blue-green rollout awaits its promote, says so once in the log, and succeeds once traffic switched', async () => {
    const { control, calls } = scripted([base, base, awaitingPromote, awaitingPromote, awaitingPromote, promoted]);
    const { outcome, notes } = await follow(control);
    expect(notes).toEqual([
      'blue-green rollout of web v2 in dev progressing: starting v2 beside v1: 0 of 2 ready',
      'blue-green rollout of web v2 in dev waits for a person: v2 is ready; promote to switch all traffic; go on with: skiff rollout promote web dev',
    ]);
    expect(outcome).toEqual({ ok: true, log: ['blue-green rollout of web v2 in dev: all traffic on v2; v1 kept for an undo'] });
    // The router has the switched table before the next stage runs.
    expect(calls).toEqual(['routed dev']);
  });

  it('notes when the rollout goes on after a person acted', async () => {
    const resumed = { ...base, strategy: 'canary', phase: 'analysing' as const, reason: 'step 3 of 3: analysis "quick"' };
    const { control } = scripted([{ ...awaitingPromote, strategy: 'canary', waitsFor: 'resume' }, resumed, { ...resumed, phase: 'completed' }]);
    const { notes } = await follow(control);
    expect(notes).toEqual([
      expect.stringContaining('waits for a person'),
      'canary rollout of web v2 in dev analysing: step 3 of 3: analysis "quick"',
    ]);
  });

  it('fails at once with the reason of a failed analysis', async () => {
    const reason = 'analysis "quick" failed: errorRate 25% > 1%; sending all traffic back to v1';
    const { control, calls } = scripted([base, { ...base, strategy: 'canary', phase: 'aborted', reason }]);
    const { outcome } = await follow(control);
    expect(outcome).toEqual({ ok: false, log: [`canary rollout of web v2 in dev aborted: ${reason}`] });
    expect(calls).toEqual([]);
  });

  it('gives up at the deadline with where the rollout stands, still waiting for the person', async () => {
    const { control } = scripted([awaitingPromote]);
    const { outcome, notes } = await follow(control, 5_000);
    expect(notes).toHaveLength(1);
    expect(outcome.ok).toBe(false);
    expect(outcome.log).toEqual([
      'hint: see it with `skiff rollout status web dev`',
      'not finished within 5 s: blue-green rollout of web v2 in dev waits for a person: v2 is ready; promote to switch all traffic; go on with: skiff rollout promote web dev',
    ]);
  });

  it('waits for the instances of a release that started no rollout, within what is left of the time', async () => {
    const { control, calls } = scripted([{ ...base, id: 1, release: 'v1', stable: 'v0', active: false, result: 'completed' }]);
    const { outcome } = await follow(control, 60_000);
    expect(outcome).toEqual({ ok: true, log: ['v2 ready in dev'] });
    expect(calls).toEqual(['waitReady v2 within 59000']);

    const failing = scripted([null], { ready: () => Promise.reject(new SkiffError('SKIFF_RELEASE_NOT_READY', 'web v2 was not ready in dev within 60 s')) });
    await expect(follow(failing.control)).rejects.toMatchObject({ code: 'SKIFF_RELEASE_NOT_READY' });
  });
});
