/**
 * What applying a spec would change, per environment and service: a field-by-field diff of the
 * resolved service views. Pure.
 */
import path from 'node:path';
import { desiredAutoscale, desiredInstances } from './desired.js';
import type { ReleaseContent } from './release.js';
import type { Spec } from './schema.js';

export interface PlanFieldChange {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
}

export interface PlanChange {
  readonly environment: string;
  readonly service: string;
  readonly change: 'add' | 'remove' | 'update';
  readonly fields: readonly PlanFieldChange[];
  readonly newRelease: boolean;
}

export interface SpecAt {
  readonly spec: Spec;
  readonly baseDir: string;
}

/**
 * Flattens what a service is in an environment into comparable fields. What its release carries
 * (command, env, resources) comes from the running release when there is one: after a rollback
 * or restore that differs from the spec.
 */
function serviceView(at: SpecAt, environment: string, service: string, release: ReleaseContent | null): Map<string, unknown> {
  const spec = at.spec.services[service];
  const view = new Map<string, unknown>();
  if (!spec) return view;
  const override = at.spec.environments[environment]?.services[service] ?? {};
  view.set('path', release?.sourceDirectory ?? path.resolve(at.baseDir, spec.path));
  view.set('start', release?.command ?? spec.start);
  view.set('driver', spec.driver);
  view.set('instances', desiredInstances(at.spec, environment, service));
  view.set('autoscale', desiredAutoscale(at.spec, environment, service));
  const env = release?.env ?? { ...spec.env, ...(override.env ?? {}) };
  for (const [name, value] of Object.entries(env)) view.set(`env.${name}`, value);
  const resources = release?.resources ?? { ...spec.resources, ...(override.resources ?? {}) };
  for (const [name, value] of Object.entries(resources)) view.set(`resources.${name}`, value);
  view.set('routes', spec.routes);
  view.set('readiness', spec.readiness ?? null);
  view.set('liveness', spec.liveness ?? null);
  view.set('balance', spec.balance);
  view.set('stopGrace', spec.stopGrace);
  view.set('build', spec.build ?? null);
  return view;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function planChanges(
  current: SpecAt | null,
  next: SpecAt,
  newReleases: readonly { readonly environment: string; readonly service: string }[],
  runningRelease: (environment: string, service: string) => ReleaseContent | null = () => null,
): PlanChange[] {
  const environments = new Set([...Object.keys(current?.spec.environments ?? {}), ...Object.keys(next.spec.environments)]);
  const services = new Set([...Object.keys(current?.spec.services ?? {}), ...Object.keys(next.spec.services)]);
  const changes: PlanChange[] = [];
  for (const environment of environments) {
    const before = current && environment in current.spec.environments ? current : null;
    const after = environment in next.spec.environments ? next : null;
    for (const service of services) {
      const from = before ? serviceView(before, environment, service, runningRelease(environment, service)) : new Map<string, unknown>();
      const to = after ? serviceView(after, environment, service, null) : new Map<string, unknown>();
      if (from.size === 0 && to.size === 0) continue;
      const fields: PlanFieldChange[] = [];
      for (const field of new Set([...from.keys(), ...to.keys()])) {
        if (!same(from.get(field), to.get(field))) fields.push({ field, from: from.get(field) ?? null, to: to.get(field) ?? null });
      }
      const newRelease = newReleases.some((release) => release.environment === environment && release.service === service);
      if (fields.length === 0 && !newRelease) continue;
      const change = from.size === 0 ? 'add' : to.size === 0 ? 'remove' : 'update';
      changes.push({ environment, service, change, fields, newRelease });
    }
  }
  return changes;
}
