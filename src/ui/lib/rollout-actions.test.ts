import { describe, expect, it } from 'vitest';
import type { RolloutView } from '../../api/rollout-port.js';
import { offeredRolloutActions, waitsForResume } from './rollout-actions.js';

type State = Parameters<typeof offeredRolloutActions>[0];

const canarySteps = [
  { kind: 'weight', weight: 10 },
  { kind: 'pause', durationMs: null },
  { kind: 'pause', durationMs: 30_000 },
];

function canary(step: number, overrides: Partial<State> = {}): State {
  return {
    active: true,
    strategy: 'canary',
    settings: { steps: canarySteps },
    phase: 'progressing',
    requests: { paused: false, promote: false, abort: false },
    step,
    steps: [
      { index: 0, kind: 'weight', label: 'weight 10%', state: step === 0 ? 'current' : 'done' },
      { index: 1, kind: 'pause', label: 'pause until resumed', state: step === 1 ? 'current' : step > 1 ? 'done' : 'pending' },
      { index: 2, kind: 'pause', label: 'pause 30s', state: step === 2 ? 'current' : step > 2 ? 'done' : 'pending' },
      { index: 3, kind: 'full', label: 'all traffic to v2', state: step === 3 ? 'current' : 'pending' },
    ] satisfies RolloutView['steps'],
    ...overrides,
  };
}

describe('offeredRolloutActions', () => {
  it('offers promote, pause and abort while a canary moves', () => {
    expect(offeredRolloutActions(canary(0))).toEqual(['promote', 'pause', 'abort']);
  });

  it('offers resume instead of pause at a `pause: {}` step and when a person paused', () => {
    expect(waitsForResume(canary(1, { phase: 'paused' }))).toBe(true);
    expect(offeredRolloutActions(canary(1, { phase: 'paused' }))).toEqual(['promote', 'resume', 'abort']);
    expect(offeredRolloutActions(canary(0, { phase: 'paused', requests: { paused: true, promote: false, abort: false } }))).toEqual([
      'promote',
      'resume',
      'abort',
    ]);
  });

  it('offers pause at a timed pause, which ends by itself', () => {
    expect(waitsForResume(canary(2, { phase: 'paused' }))).toBe(false);
    expect(offeredRolloutActions(canary(2, { phase: 'paused' }))).toEqual(['promote', 'pause', 'abort']);
  });

  it('offers no promote once asked for, nor on a rolling rollout', () => {
    expect(offeredRolloutActions(canary(0, { requests: { paused: false, promote: true, abort: false } }))).toEqual(['pause', 'abort']);
    expect(offeredRolloutActions(canary(0, { strategy: 'rolling', settings: {} }))).toEqual(['pause', 'abort']);
  });

  it('offers promote while a blue-green waits for it, and undo after the switch', () => {
    const blueGreen = (step: number, overrides: Partial<State> = {}): State => ({
      ...canary(0),
      strategy: 'blue-green',
      settings: {},
      step,
      steps: ['deploying', 'awaiting-promote', 'keeping-old', 'draining-old', 'completed'].map((kind, index) => ({
        index,
        kind,
        label: kind,
        state: index < step ? 'done' : index === step ? 'current' : 'pending',
      })),
      ...overrides,
    });
    expect(offeredRolloutActions(blueGreen(0))).toEqual(['promote', 'pause', 'abort']);
    expect(offeredRolloutActions(blueGreen(1, { phase: 'paused' }))).toEqual(['promote', 'abort']);
    expect(offeredRolloutActions(blueGreen(2, { phase: 'promoted' }))).toEqual(['undo']);
    expect(offeredRolloutActions(blueGreen(2, { phase: 'paused', requests: { paused: true, promote: true, abort: false } }))).toEqual(['resume', 'undo']);
  });

  it('offers nothing on a finished rollout or one going back', () => {
    expect(offeredRolloutActions(canary(3, { active: false, phase: 'completed' }))).toEqual([]);
    expect(offeredRolloutActions(canary(1, { phase: 'aborted' }))).toEqual([]);
    expect(offeredRolloutActions(canary(1, { requests: { paused: false, promote: false, abort: true } }))).toEqual([]);
  });
});
