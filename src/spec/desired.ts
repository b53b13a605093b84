/**
 * Desired state of one environment: every service resolved with the environment's overrides.
 * Pure: the spec module imports no runtime module.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Balance, DriverKind, Probe, Resources, RouteSpec, Spec } from './schema.js';

export interface DesiredService {
  readonly name: string;
  readonly environment: string;
  readonly driver: DriverKind;
  /** Absolute directory the instances start in. */
  readonly directory: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly instances: number;
  readonly readiness: Probe | undefined;
  readonly liveness: Probe | undefined;
  readonly resources: Resources;
  readonly routes: readonly RouteSpec[];
  readonly balance: Balance;
  readonly stopGraceMs: number;
  /** Hash of everything that defines what an instance runs; a change means new instances. */
  readonly configHash: string;
}

export interface DesiredEnvironment {
  readonly name: string;
  readonly services: readonly DesiredService[];
}

/**
 * Resolves one environment of a validated spec. `baseDir` is the directory of the spec file,
 * against which service paths are resolved.
 */
export function resolveEnvironment(spec: Spec, environment: string, baseDir: string): DesiredEnvironment {
  const envSpec = spec.environments[environment];
  if (!envSpec) throw new Error(`unknown environment ${environment}`);
  const services = Object.entries(spec.services)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, service]): DesiredService => {
      const override = envSpec.services[name] ?? {};
      const resolved = {
        name,
        environment,
        driver: service.driver,
        directory: path.resolve(baseDir, service.path),
        command: service.start,
        env: { ...service.env, ...(override.env ?? {}) },
        instances: override.instances ?? service.instances,
        readiness: service.readiness,
        liveness: service.liveness,
        resources: { ...service.resources, ...(override.resources ?? {}) },
        routes: service.routes,
        balance: service.balance,
        stopGraceMs: service.stopGrace,
      };
      return { ...resolved, configHash: instanceConfigHash(resolved) };
    });
  return { name: environment, services };
}

/** Only what changes a running instance counts: instance count, routes and probes do not. */
function instanceConfigHash(service: Omit<DesiredService, 'configHash'>): string {
  const identity = {
    driver: service.driver,
    directory: service.directory,
    command: service.command,
    env: Object.entries(service.env).sort(([a], [b]) => a.localeCompare(b)),
    resources: service.resources,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 12);
}
