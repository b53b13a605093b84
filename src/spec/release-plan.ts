/**
 * Which new releases an apply needs: a service whose config changed in an environment gets a
 * release with the same artifact and the new config; in the environment of `skiff up`, a service
 * with nothing deployed runs from its source directory. Pure.
 */
import { serviceConfig } from './desired.js';
import { releaseHash } from './release.js';
import type { Release, ReleaseContent, ReleaseReason } from './release.js';
import type { Spec } from './schema.js';

export interface PlannedRelease {
  readonly environment: string;
  readonly service: string;
  readonly content: ReleaseContent;
  readonly reason: ReleaseReason;
}

export interface ReleasePlanInput {
  readonly spec: Spec;
  readonly baseDir: string;
  /** The current release of each service, per environment. */
  readonly current: (environment: string, service: string) => Release | null;
  /** The environment whose undeployed services run from source (the one `skiff up` runs). */
  readonly sourceEnvironment: string;
  /** The current version of each secret of a service in an environment. */
  readonly secrets?: (environment: string, service: string) => Readonly<Record<string, number>>;
}

export function planReleasesForApply(input: ReleasePlanInput): PlannedRelease[] {
  const planned: PlannedRelease[] = [];
  for (const environment of Object.keys(input.spec.environments)) {
    for (const service of Object.keys(input.spec.services)) {
      const config = serviceConfig(input.spec, environment, service, input.baseDir, input.secrets?.(environment, service));
      const current = input.current(environment, service);
      if (!current) {
        if (environment === input.sourceEnvironment) {
          planned.push({ environment, service, content: { ...config, artifact: null }, reason: 'source' });
        }
        continue;
      }
      const content = withArtifactOf(config, current);
      if (releaseHash(content) !== current.configHash) planned.push({ environment, service, content, reason: 'config' });
    }
  }
  return planned;
}

/** The environment's config running what `running` runs: its artifact, or the source directory. */
function withArtifactOf(config: ReturnType<typeof serviceConfig>, running: Pick<Release, 'artifact'>): ReleaseContent {
  return running.artifact
    ? { ...config, artifact: running.artifact, sourceDirectory: null, image: artifactImage(config.driver, running.artifact) }
    : { ...config, artifact: null };
}

/**
 * What another environment's release runs, with this environment's config from the spec (a
 * preview of it): the same artifact, this environment's variables and volumes, no secrets yet.
 */
export function releaseInEnvironment(spec: Spec, environment: string, baseDir: string, running: Pick<Release, 'service' | 'artifact'>): ReleaseContent {
  return withArtifactOf(serviceConfig(spec, environment, running.service, baseDir, {}), running);
}

/** The content of a new release of `artifact` with the environment's config from the spec. */
export function artifactRelease(
  spec: Spec,
  environment: string,
  service: string,
  artifact: string,
  baseDir: string,
  secrets: Readonly<Record<string, number>> = {},
): ReleaseContent {
  const config = serviceConfig(spec, environment, service, baseDir, secrets);
  return { ...config, artifact, sourceDirectory: null, image: artifactImage(config.driver, artifact) };
}

/** A docker service's artifact is an image whose id is the digest: the release runs exactly that image. */
function artifactImage(driver: ReleaseContent['driver'], artifact: string): string | null {
  return driver === 'docker' ? artifact : null;
}
