/**
 * The releases of an environment as `skiff export` knows them: the spec file gives each
 * service's config for the environment, the caller gives which release runs (name and digest)
 * and its secret values. Pure: the spec is resolved as `skiff apply` would resolve it.
 */
import { resolveEnvironment, serviceConfig } from '../../spec/desired.js';
import { releaseHash } from '../../spec/release.js';
import type { Release } from '../../spec/release.js';
import type { Spec } from '../../spec/schema.js';
import type { ReleaseWorkload } from './manifests/input.js';

export interface ExportedRelease {
  readonly service: string;
  /** `v3`. */
  readonly release: string;
  /** `sha256:…` of the image in the registry. */
  readonly digest: string;
  /** The control plane's config hash of the release, when it comes from one. */
  readonly configHash?: string;
  /** Secret values by name. */
  readonly secrets: Readonly<Record<string, string>>;
}

function versionOf(release: string): number {
  const version = /^v(\d+)$/.exec(release)?.[1];
  return version === undefined ? 0 : Number(version);
}

export function exportWorkloads(options: {
  readonly spec: Spec;
  readonly environment: string;
  readonly registry: string;
  readonly releases: readonly ExportedRelease[];
}): ReleaseWorkload[] {
  const { spec, environment } = options;
  const releases: Record<string, Release> = {};
  for (const exported of options.releases) {
    // Built from the artifact, not the source directory: the path on this machine is not part of what runs.
    const content = {
      ...serviceConfig(spec, environment, exported.service, '.', Object.fromEntries(Object.keys(exported.secrets).map((name) => [name, 1]))),
      sourceDirectory: null,
      artifact: exported.digest,
    };
    releases[exported.service] = {
      ...content,
      environment,
      service: exported.service,
      version: versionOf(exported.release),
      configHash: exported.configHash ?? releaseHash(content),
      author: 'export',
      reason: 'deploy',
      createdAt: new Date(0).toISOString(),
    };
  }
  const desired = resolveEnvironment(spec, environment, releases);
  return options.releases.map((exported): ReleaseWorkload => {
    const service = desired.services.find((candidate) => candidate.name === exported.service);
    if (!service) throw new Error(`unknown service ${exported.service}`);
    return {
      service: { ...service, release: exported.release },
      release: exported.release,
      // A service that scales to zero starts idle: Skiff's control plane scales it up when its router holds a request for it.
      replicas: service.autoscale?.min === 0 ? 0 : service.instances,
      image: `${options.registry}/${exported.service}@${exported.digest}`,
      secrets: exported.secrets,
    };
  });
}
