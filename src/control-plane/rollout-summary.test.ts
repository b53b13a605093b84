import { describe, expect, it } from 'vitest';
import type { Deployment } from '../reconcile/deployment.js';
import { withRequest } from '../reconcile/deployment.js';
import { deployment, strategy } from '../reconcile/testing/deployments.js';
import { personNeeded, serviceRollout } from './rollout-summary.js';

const canary = strategy({ type: 'canary', steps: [{ weight: 25 }, { analysis: 'quick' }, { pause: '30s' }, { pause: {} }] });
const canaryAt = (step: number, extra: Partial<Deployment> = {}): Deployment => ({ ...deployment({ strategy: canary }), cursor: { step, stepStartedAt: 0 }, ...extra });
const blueGreenAt = (step: number, extra: Partial<Deployment> = {}): Deployment => ({
  ...deployment({ strategy: strategy({ type: 'blue-green' }) }),
  cursor: { step, stepStartedAt: 0 },
  ...extra,
});

describe('personNeeded', () => {
  it('asks for a promote of a blue-green rollout awaiting the switch, and a resume of a `pause: {}` step', () => {
    expect(personNeeded(blueGreenAt(1, { phase: 'paused' }))).toBe('promote');
    expect(personNeeded(canaryAt(3, { phase: 'paused' }))).toBe('resume');
  });

  it('asks for a resume of a rollout a person paused, whatever its step', () => {
    expect(personNeeded(withRequest(blueGreenAt(2, { phase: 'paused' }), 'pause', 'ana', 0))).toBe('resume');
    expect(personNeeded(withRequest({ ...deployment(), phase: 'paused' }, 'pause', 'ana', 0))).toBe('resume');
  });

  it('needs nobody for a timed pause, an analysis, a moving or a finished rollout', () => {
    expect(personNeeded(canaryAt(2, { phase: 'paused' }))).toBeNull();
    expect(personNeeded(canaryAt(1, { phase: 'analysing' }))).toBeNull();
    expect(personNeeded(blueGreenAt(0, { phase: 'progressing' }))).toBeNull();
    expect(personNeeded(blueGreenAt(1, { phase: 'paused', finishedAt: 5, result: 'superseded' }))).toBeNull();
  });
});

describe('serviceRollout', () => {
  it('gives the releases, the step among the steps, the weights and the phase', () => {
    const analysing = canaryAt(1, {
      phase: 'analysing',
      reason: 'step 2 of 4, 25% on v2: analysis "quick"',
      routing: { traffic: { kind: 'split', weights: { v1: 75, v2: 25 } }, matches: [], preview: null },
    });
    expect(serviceRollout(analysing)).toMatchObject({
      id: 1,
      strategy: 'canary',
      active: true,
      phase: 'analysing',
      result: null,
      stable: 'v1',
      next: 'v2',
      step: 2,
      steps: 5,
      stepLabel: 'analysis quick',
      weights: { v1: 75, v2: 25 },
      waitsFor: null,
      author: 'ana',
      finishedAt: null,
    });
  });

  it('says how a finished rollout ended, and when', () => {
    const aborted = serviceRollout(canaryAt(1, { phase: 'aborted', result: 'aborted', finishedAt: Date.parse('2026-11-26T10:00:00Z'), reason: 'rolled back to v1: analysis failed' }));
    expect(aborted).toMatchObject({ active: false, phase: 'aborted', result: 'aborted', finishedAt: '2026-11-26T10:00:00.000Z', reason: 'rolled back to v1: analysis failed' });
  });
});
