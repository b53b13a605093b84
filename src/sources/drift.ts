/**
 * Drift: what differs in one environment between the state its followed commit gives and the
 * state applied now (a scale by hand, a changed override, a deploy of another release). Reuses
 * the plan's field-by-field view of a service. Pure.
 */
import { planChanges } from '../spec/plan.js';
import type { SpecAt } from '../spec/plan.js';

export interface DriftChange {
  /** Empty for a change of a feature flag (its field is `flags.KEY…`). */
  readonly service: string;
  /** `add`: the commit has the service, the environment does not run it; `remove`: the reverse. */
  readonly change: 'add' | 'remove' | 'update';
  readonly field: string;
  /** The value applied now. */
  readonly applied: unknown;
  /** The value the commit gives. */
  readonly commit: unknown;
}

export interface DriftInput {
  readonly environment: string;
  readonly applied: SpecAt;
  readonly expected: SpecAt;
  /** The release of each service in the environment now, and right after the commit was synced. */
  readonly appliedReleases: Readonly<Record<string, number>>;
  readonly syncedReleases: Readonly<Record<string, number>>;
}

export function environmentDrift(input: DriftInput): DriftChange[] {
  const drift: DriftChange[] = [];
  for (const change of planChanges(input.applied, input.expected, [])) {
    if (change.environment !== input.environment) continue;
    for (const field of change.fields) {
      drift.push({ service: change.service, change: change.change, field: field.field, applied: field.from, commit: field.to });
    }
  }
  for (const [service, version] of Object.entries(input.syncedReleases)) {
    const now = input.appliedReleases[service];
    if (now !== undefined && now !== version) drift.push({ service, change: 'update', field: 'release', applied: `v${now}`, commit: `v${version}` });
  }
  return drift;
}
