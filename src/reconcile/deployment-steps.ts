/** A deployment's steps as people see them: each with its label and whether it is done. Pure. */
import { assertNever } from '../core/assert-never.js';
import { formatDuration } from '../core/units.js';
import { blueGreenSteps } from '../rollout/index.js';
import type { CanaryStepSpec } from '../spec/schema.js';
import type { Deployment } from './deployment.js';
import { labelOf } from './deployment.js';

export type StepState = 'done' | 'current' | 'pending' | 'failed' | 'skipped';

export interface DeploymentStep {
  readonly index: number;
  readonly kind: string;
  readonly label: string;
  readonly state: StepState;
}

interface StepDraft {
  readonly kind: string;
  readonly label: string;
}

function canaryLabel(step: CanaryStepSpec): string {
  switch (step.kind) {
    case 'weight':
      return `weight ${step.weight}%`;
    case 'pause':
      return step.durationMs === null ? 'pause until resumed' : `pause ${formatDuration(step.durationMs)}`;
    case 'analysis':
      return `analysis ${step.name}`;
    default:
      return assertNever(step, 'canary step');
  }
}

function drafts(deployment: Deployment): StepDraft[] {
  const { strategy } = deployment;
  switch (strategy.type) {
    case 'canary':
      return [
        ...strategy.steps.map((step) => ({ kind: step.kind, label: canaryLabel(step) })),
        { kind: 'full', label: `all traffic to ${labelOf(deployment.next)}` },
      ];
    case 'blue-green':
      return blueGreenSteps.map((name) => ({ kind: name, label: name }));
    case 'rolling':
      return [{ kind: 'replace', label: `replace instances (maxSurge ${countText(strategy.maxSurge)}, maxUnavailable ${countText(strategy.maxUnavailable)})` }];
    case 'recreate':
      return [{ kind: 'replace', label: 'stop every old instance, then start the new ones' }];
    default:
      return assertNever(strategy, 'strategy');
  }
}

function countText(value: { readonly kind: 'count' | 'percent'; readonly value: number }): string {
  return value.kind === 'percent' ? `${value.value}%` : String(value.value);
}

/** The steps and the index of the current one. */
export function deploymentSteps(deployment: Deployment): { readonly current: number; readonly steps: readonly DeploymentStep[] } {
  const list = drafts(deployment);
  const last = list.length - 1;
  // Rolling and recreate have one step; blue-green's last step is `completed` itself.
  const current = Math.min(deployment.strategy.type === 'rolling' || deployment.strategy.type === 'recreate' ? 0 : deployment.cursor.step, last);
  const completed = deployment.result === 'completed' || deployment.phase === 'completed';
  const aborted = deployment.phase === 'aborted' || deployment.result === 'aborted';
  const steps = list.map((draft, index): DeploymentStep => {
    let state: StepState;
    if (completed) state = 'done';
    else if (index < current) state = 'done';
    else if (index === current) state = aborted ? 'failed' : deployment.result !== null ? 'skipped' : 'current';
    else state = aborted || deployment.result !== null ? 'skipped' : 'pending';
    return { index, ...draft, state };
  });
  return { current, steps };
}
