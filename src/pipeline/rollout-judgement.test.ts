import { describe, expect, it } from 'vitest';
import type { RolloutProgress } from './ports.js';
import { judgeRollout } from './rollout-judgement.js';
import type { RolloutTarget } from './rollout-judgement.js';

const target: RolloutTarget = { environment: 'staging', service: 'web', release: 'v4', before: 7 };

function progress(change: Partial<RolloutProgress> = {}): RolloutProgress {
  return {
    id: 8,
    release: 'v4',
    stable: 'v3',
    strategy: 'canary',
    active: true,
    phase: 'progressing',
    result: null,
    reason: 'step 1 of 2, 25% on v4: waiting for 1 ready instance(s) for 25%, 0 ready',
    waitsFor: null,
    ...change,
  };
}

describe('judgeRollout', () => {
  it('finds no rollout of the release when there is none, or only the one from before the deploy', () => {
    expect(judgeRollout(target, null)).toEqual({ kind: 'none' });
    expect(judgeRollout(target, progress({ id: 7, release: 'v3', active: false, result: 'completed' }))).toEqual({ kind: 'none' });
    expect(judgeRollout({ ...target, before: null }, progress())).toMatchObject({ kind: 'going' });
  });

  it('follows the rollout under way before the deploy when the release took it over (the same content as its new release)', () => {
    expect(judgeRollout(target, progress({ id: 7, phase: 'analysing' }))).toMatchObject({ kind: 'going' });
  });

  it('is done once the new release has all traffic: completed, or promoted while the old one is kept or stopping', () => {
    expect(judgeRollout(target, progress({ phase: 'promoted', reason: 'all traffic on v4; v3 kept for an undo' }))).toEqual({
      kind: 'done',
      message: 'canary rollout of web v4 in staging: all traffic on v4; v3 kept for an undo',
    });
    expect(judgeRollout(target, progress({ phase: 'completed' }))).toMatchObject({ kind: 'done' });
    expect(judgeRollout(target, progress({ active: false, phase: 'completed', result: 'completed' }))).toEqual({
      kind: 'done',
      message: 'canary rollout of web v4 in staging completed',
    });
  });

  it('fails at once with the reason when the rollout goes back, before the rollback is over', () => {
    const reason = 'analysis "quick" failed: errorRate 20% > 1%; sending all traffic back to v3';
    expect(judgeRollout(target, progress({ phase: 'aborted', reason }))).toEqual({ kind: 'failed', message: `canary rollout of web v4 in staging aborted: ${reason}` });
    expect(judgeRollout(target, progress({ active: false, phase: 'aborted', result: 'aborted', reason: 'rolled back to v3: aborted by a person' }))).toEqual({
      kind: 'failed',
      message: 'canary rollout of web v4 in staging aborted: rolled back to v3: aborted by a person',
    });
  });

  it('fails when another release took over', () => {
    expect(judgeRollout(target, progress({ active: false, result: 'superseded' }))).toEqual({
      kind: 'failed',
      message: 'canary rollout of web v4 in staging was superseded by a newer release',
    });
    expect(judgeRollout(target, progress({ id: 9, release: 'v5' }))).toEqual({ kind: 'failed', message: 'a rollout of web v5 replaced the one of v4 in staging' });
    expect(judgeRollout(target, progress({ active: false, result: 'cancelled', reason: 'cancelled: no release' }))).toMatchObject({ kind: 'failed' });
  });

  it('keeps going while the rollout moves, and says what a person must do when it waits for one', () => {
    expect(judgeRollout(target, progress({ phase: 'analysing', reason: 'step 2 of 3, 25% on v4: analysis "quick"' }))).toEqual({
      kind: 'going',
      message: 'canary rollout of web v4 in staging analysing: step 2 of 3, 25% on v4: analysis "quick"',
      person: null,
    });
    // A timed pause waits for nobody.
    expect(judgeRollout(target, progress({ phase: 'paused', reason: 'step 3 of 3: pausing' }))).toMatchObject({ kind: 'going', person: null });
    const blueGreen = progress({ strategy: 'blue-green', phase: 'paused', waitsFor: 'promote', reason: 'v4 is ready; promote to switch all traffic' });
    expect(judgeRollout(target, blueGreen)).toEqual({
      kind: 'going',
      message: 'blue-green rollout of web v4 in staging waits for a person: v4 is ready; promote to switch all traffic; go on with: skiff rollout promote web staging',
      person: 'skiff rollout promote web staging',
    });
  });
});
