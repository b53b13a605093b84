/**
 * The desired state of the whole system as the control plane keeps it: the latest revision (the
 * spec plus the release each service runs in each environment), and how a change becomes a new
 * revision that every environment then follows.
 */
import { createHash } from 'node:crypto';
import { SkiffError } from '../core/errors.js';
import { resolveEnvironment } from '../spec/desired.js';
import type { Release, ReleasePointers } from '../spec/release.js';
import type { Spec } from '../spec/schema.js';
import type { NewEvent, Revision, StateStore } from '../store/state-store.js';
import type { RolloutIntent } from '../reconcile/rollout-controller.js';
import type { EnvironmentRegistry } from './environment-registry.js';

export interface RevisionMeta {
  readonly author: string;
  readonly message: string;
  readonly sourceFile: string | null;
  readonly sourceHash: string | null;
  /** The git commit a synced revision came from. */
  readonly commit?: string | null;
}

export class DesiredState {
  constructor(
    private readonly store: StateStore,
    private readonly environments: EnvironmentRegistry,
    private readonly emit: (event: NewEvent) => void,
  ) {}

  latest(): Revision | null {
    return this.store.latestRevision();
  }

  require(): Revision {
    const latest = this.store.latestRevision();
    if (!latest) throw new SkiffError('SKIFF_NO_REVISION', undefined, { hint: 'apply a spec first: skiff apply skiff.yaml' });
    return latest;
  }

  /** The release a service runs in an environment as of the latest revision. */
  currentRelease(environment: string, service: string): Release | null {
    const version = this.store.latestRevision()?.releases[environment]?.[service];
    return version === undefined ? null : this.store.release(environment, service, version);
  }

  releasesOf(revision: Revision, environment: string): Record<string, Release | undefined> {
    const releases: Record<string, Release | undefined> = {};
    for (const [service, version] of Object.entries(revision.releases[environment] ?? {})) {
      releases[service] = this.store.release(environment, service, version) ?? undefined;
    }
    return releases;
  }

  /**
   * Saves a new revision and makes every environment follow it; `intent` says what made it, for
   * the rollouts it starts (who, which operation, a strategy a person chose).
   */
  async commit(spec: Spec, baseDir: string, releases: ReleasePointers, meta: RevisionMeta, intent?: RolloutIntent & { readonly environment?: string }): Promise<Revision> {
    this.assertCanRun(spec, releases);
    const revision = this.store.saveRevision({ hash: stateHash(spec, baseDir, releases), spec, baseDir, releases, ...meta });
    await this.follow(revision, intent);
    return revision;
  }

  /**
   * Refuses (with the provider's error) when an environment that would get releases has a
   * provider that cannot run it, before anything is saved.
   */
  assertCanRun(spec: Spec, releases: ReleasePointers): void {
    for (const environment of Object.keys(spec.environments)) {
      if (Object.keys(releases[environment] ?? {}).length > 0) this.environments.prepare(environment, spec);
    }
  }

  /** Points every environment at the revision, starting the environments new in it. */
  async follow(revision: Revision, intent?: RolloutIntent & { readonly environment?: string }): Promise<void> {
    for (const environment of Object.keys(revision.spec.environments)) {
      const desired = resolveEnvironment(revision.spec, environment, this.releasesOf(revision, environment));
      const own = intent && (intent.environment === undefined || intent.environment === environment) ? intent : undefined;
      await this.environments.follow(environment, revision, desired, own);
    }
    for (const runtime of this.environments.all()) {
      if (!Object.hasOwn(revision.spec.environments, runtime.environment)) runtime.setDesired({ name: runtime.environment, services: [] });
    }
  }

  assertEnvironment(environment: string): void {
    const known = this.environmentNames();
    if (!known.includes(environment)) {
      throw new SkiffError('SKIFF_UNKNOWN_ENVIRONMENT', `there is no environment "${environment}"`, {
        hint: `environments: ${known.join(', ')}`,
        path: 'environment',
      });
    }
  }

  assertService(service: string): void {
    const spec = this.require().spec;
    if (!Object.hasOwn(spec.services, service)) {
      throw new SkiffError('SKIFF_UNKNOWN_SERVICE', `there is no service "${service}"`, {
        hint: `services: ${Object.keys(spec.services).join(', ')}`,
        path: 'service',
      });
    }
  }

  environmentNames(): string[] {
    const spec = this.store.latestRevision()?.spec;
    return spec ? Object.keys(spec.environments) : this.environments.all().map((runtime) => runtime.environment);
  }

  event(event: NewEvent): void {
    this.emit(event);
  }
}

/** Pointers limited to the environments and services the spec still has. */
export function keptPointers(spec: Spec, pointers: ReleasePointers): Record<string, Record<string, number>> {
  const kept: Record<string, Record<string, number>> = {};
  for (const environment of Object.keys(spec.environments)) {
    kept[environment] = {};
    for (const [service, version] of Object.entries(pointers[environment] ?? {})) {
      if (Object.hasOwn(spec.services, service)) (kept[environment] as Record<string, number>)[service] = version;
    }
  }
  return kept;
}

export function stateHash(spec: Spec, baseDir: string, releases: ReleasePointers): string {
  return createHash('sha256').update(JSON.stringify({ spec, baseDir, releases })).digest('hex');
}
