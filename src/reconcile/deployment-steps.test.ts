import { describe, expect, it } from 'vitest';
import type { Deployment } from './deployment.js';
import { deploymentSteps } from './deployment-steps.js';
import { deployment, strategy } from './testing/deployments.js';

const canary = strategy({ type: 'canary', steps: [{ weight: 10 }, { pause: '30s' }, { analysis: 'default' }, { pause: {} }] });
const at = (step: number, extra: Partial<Deployment> = {}): Deployment => ({ ...deployment({ strategy: canary }), cursor: { step, stepStartedAt: 0 }, ...extra });
const states = (value: Deployment) => deploymentSteps(value).steps.map((s) => `${s.state} ${s.label}`);

describe('deploymentSteps', () => {
  it("lists a canary's steps and the final one, each done, current or pending", () => {
    expect(states(at(2))).toEqual(['done weight 10%', 'done pause 30s', 'current analysis default', 'pending pause until resumed', 'pending all traffic to v2']);
    expect(deploymentSteps(at(2)).current).toBe(2);
  });

  it('marks where an aborted rollout failed and skips the rest; all done once completed', () => {
    expect(states(at(2, { phase: 'aborted' }))).toEqual(['done weight 10%', 'done pause 30s', 'failed analysis default', 'skipped pause until resumed', 'skipped all traffic to v2']);
    expect(states(at(5, { phase: 'completed', result: 'completed' })).every((line) => line.startsWith('done'))).toBe(true);
  });

  it('names the blue-green phases and a single step for rolling', () => {
    const blueGreen = { ...deployment({ strategy: strategy({ type: 'blue-green' }) }), cursor: { step: 1, stepStartedAt: 0 } };
    expect(states(blueGreen)).toEqual(['done deploying', 'current awaiting-promote', 'pending keeping-old', 'pending draining-old', 'pending completed']);
    expect(states(deployment())).toEqual(['current replace instances (maxSurge 1, maxUnavailable 0)']);
  });
});
