/**
 * What a release's image is made from (a process service's archive and start command, a function's
 * archive and Skiff's function runtime, or a docker service's image), and the publisher the kubernetes provider pushes each release's image with.
 */
import { SkiffError } from '../../../core/errors.js';
import type { DesiredService } from '../../../spec/desired.js';
import type { EngineAddress } from '../../../drivers/docker/index.js';
import { defaultFunctionRuntimeEntry } from './function-image.js';
import { releaseImage } from './release-image.js';
import type { ReleaseArtifact, ReleaseImage } from './release-image.js';
import type { RegistryCredentials } from './registry-auth.js';

export function releaseArtifactOf(
  release: DesiredService,
  archivePath: (digest: string) => string,
  runtimeEntry: string = defaultFunctionRuntimeEntry,
): ReleaseArtifact {
  if (release.artifact === null) {
    throw new SkiffError('SKIFF_NOT_DEPLOYED', `${release.environment}/${release.name} ${release.release ?? ''} has no artifact: a cluster runs built artifacts only`, {
      hint: `build it and deploy the artifact: skiff build ${release.name} && skiff deploy ${release.name} latest ${release.environment}`,
      path: `services.${release.name}`,
    });
  }
  switch (release.driver) {
    case 'process':
      return { kind: 'archive', digest: release.artifact, archivePath: archivePath(release.artifact), start: release.command };
    case 'docker':
      // A docker service's artifact digest is its image's id in the engine.
      return { kind: 'image', digest: release.artifact };
    case 'function':
      return { kind: 'function', digest: release.artifact, archivePath: archivePath(release.artifact), runtimeEntry };
  }
}

export interface ImagePublisherDeps {
  readonly engine: EngineAddress;
  /** Where the artifact store keeps the archive of a digest. */
  readonly archivePath: (digest: string) => string;
  /** Checks an archive against its digest before it is built into an image (SKIFF_ARTIFACT_DIGEST_MISMATCH otherwise). */
  readonly verify: (digest: string) => Promise<void>;
  /** The function runtime's container entry put into a function's image (default: this installation's). */
  readonly functionRuntimeEntry?: string;
}

/** The release's image in the registry, by digest: what the kubernetes provider calls before it applies a release. */
export function createImagePublisher(deps: ImagePublisherDeps): (release: DesiredService, registry: string, credentials?: RegistryCredentials) => Promise<ReleaseImage> {
  return async (release, registry, credentials) => {
    const artifact = releaseArtifactOf(release, deps.archivePath, deps.functionRuntimeEntry);
    if (artifact.kind !== 'image') await deps.verify(artifact.digest);
    return releaseImage({ service: release.name, artifact, registry, engine: deps.engine, ...(credentials ? { credentials } : {}) });
  };
}
