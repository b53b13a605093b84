/** A deployment in brief, for `skiff status`, the overview and the pipeline stages that follow it. Pure. */
import type { ServiceRollout } from '../api/control-plane.js';
import { assertNever } from '../core/assert-never.js';
import type { Deployment } from '../reconcile/deployment.js';
import { labelOf, weightsOf } from '../reconcile/deployment.js';
import { deploymentSteps } from '../reconcile/deployment-steps.js';
import { blueGreenSteps } from '../rollout/index.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * What a person must do for the rollout to go on: resume one they paused or a `pause: {}` step,
 * promote a blue-green rollout awaiting the switch. A timed pause needs nobody.
 */
export function personNeeded(deployment: Deployment): 'promote' | 'resume' | null {
  if (deployment.finishedAt !== null || deployment.phase !== 'paused') return null;
  if (deployment.requests.paused) return 'resume';
  const { strategy, cursor } = deployment;
  switch (strategy.type) {
    case 'blue-green':
      return blueGreenSteps[Math.min(cursor.step, blueGreenSteps.length - 1)] === 'awaiting-promote' ? 'promote' : null;
    case 'canary': {
      const step = strategy.steps[cursor.step];
      return step?.kind === 'pause' && step.durationMs === null ? 'resume' : null;
    }
    case 'rolling':
    case 'recreate':
      return null;
    default:
      return assertNever(strategy, 'strategy');
  }
}

export function serviceRollout(deployment: Deployment): ServiceRollout {
  const { steps, current } = deploymentSteps(deployment);
  return {
    id: deployment.id,
    strategy: deployment.strategy.type,
    active: deployment.finishedAt === null,
    phase: deployment.phase,
    result: deployment.result,
    stable: labelOf(deployment.stable),
    next: labelOf(deployment.next),
    step: current + 1,
    steps: steps.length,
    stepLabel: steps[current]?.label ?? '',
    weights: weightsOf(deployment.routing.traffic),
    waitsFor: personNeeded(deployment),
    reason: deployment.reason,
    author: deployment.author,
    startedAt: iso(deployment.startedAt),
    finishedAt: deployment.finishedAt === null ? null : iso(deployment.finishedAt),
  };
}
