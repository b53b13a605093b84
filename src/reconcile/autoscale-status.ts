/** The autoscaler's figures as status shows them. */
import type { AutoscaleStatus } from '../core/autoscale-status.js';
import type { AutoscaleSpec } from '../spec/schema-autoscale.js';
import { targetMeasure } from '../spec/schema-autoscale.js';
import type { AutoscaleDecision } from './autoscaler.js';

export type { AutoscaleStatus };

export function describeDecision(policy: AutoscaleSpec, desired: number, last: AutoscaleDecision | null): AutoscaleStatus {
  const { kind, value } = targetMeasure(policy.target);
  return {
    min: policy.min,
    max: policy.max,
    measure: kind,
    target: value,
    observed: last ? last.stableDemand / Math.max(last.ready, 1) : null,
    mode: last?.mode ?? 'stable',
    desired,
    scaledToZero: desired === 0,
  };
}
