/**
 * A release's artifact as an image in the environment's registry, referenced by digest: a docker
 * service's image as built, or a process (or function) service's archive built into an image on the base image.
 * The push tag is the artifact's short digest, so the registry is asked first and an artifact
 * already pushed is neither built nor pushed again: the same artifact gives the same reference.
 * A tag can move, so what it names is reused only when it is this artifact's image.
 */
import type Docker from 'dockerode';
import { SkiffError } from '../../../core/errors.js';
import { connectEngine, engineUnavailableError, inspectImage, probeEngine } from '../../../drivers/docker/index.js';
import type { EngineAddress } from '../../../drivers/docker/index.js';
import { ARTIFACT_LABEL, buildArtifactImage } from './artifact-image.js';
import { buildFunctionImage, FUNCTION_RUNTIME_LABEL, functionRuntime } from './function-image.js';
import { artifactTag, imageRepository, pinnedImage } from './image-names.js';
import { pushImage } from './image-push.js';
import { manifestDigest, registryImage } from './registry-api.js';
import type { RegistryCredentials } from './registry-auth.js';

export type ReleaseArtifact =
  /** A process service: its archive and start command. */
  | { readonly kind: 'archive'; readonly digest: string; readonly archivePath: string; readonly start: readonly string[] }
  /** A docker service: the digest is the image id the engine holds. */
  | { readonly kind: 'image'; readonly digest: string }
  /** A function service: its archive, run by the function runtime whose container entry this is. */
  | { readonly kind: 'function'; readonly digest: string; readonly archivePath: string; readonly runtimeEntry: string };

export interface ReleaseImageOptions {
  readonly service: string;
  readonly artifact: ReleaseArtifact;
  /** The environment's `registry:`, e.g. `127.0.0.1:5000/skiff`. */
  readonly registry: string;
  /** When the registry asks for them. */
  readonly credentials?: RegistryCredentials;
  readonly engine: EngineAddress;
}

export interface ReleaseImage {
  /** `REGISTRY/SERVICE@sha256:…`. */
  readonly reference: string;
  /** The registry's manifest digest. */
  readonly digest: string;
  /** False when the registry already had the artifact's image. */
  readonly pushed: boolean;
}

export async function reachableEngine(address: EngineAddress): Promise<Docker> {
  const docker = connectEngine(address);
  const status = await probeEngine(docker);
  if (!status.reachable) throw engineUnavailableError(address, status.reason);
  return docker;
}

/** Whether the manifest `digest` holds the artifact: its image id, or the image built from its archive. */
async function holdsArtifact(repository: string, digest: string, artifact: ReleaseArtifact, credentials: RegistryCredentials | undefined): Promise<boolean> {
  const image = await registryImage(repository, digest, credentials);
  if (image === null) return false;
  switch (artifact.kind) {
    case 'archive':
      return image.labels[ARTIFACT_LABEL] === artifact.digest;
    case 'image':
      return image.configDigest === artifact.digest;
    case 'function':
      return image.labels[ARTIFACT_LABEL] === artifact.digest && image.labels[FUNCTION_RUNTIME_LABEL] === (await functionRuntime(artifact.runtimeEntry)).hash;
  }
}

/** Gives the artifact's image the push tag, building it first for an archive. */
async function tagArtifactImage(docker: Docker, service: string, artifact: ReleaseArtifact, repository: string, tag: string): Promise<void> {
  switch (artifact.kind) {
    case 'archive':
      await buildArtifactImage(docker, { archivePath: artifact.archivePath, artifactDigest: artifact.digest, start: artifact.start, tag: `${repository}:${tag}` });
      return;
    case 'image':
      if ((await inspectImage(docker, artifact.digest)) === null) {
        throw new SkiffError('SKIFF_DOCKER_IMAGE_MISSING', `image ${artifact.digest} of ${service} is not in the Docker engine, so it cannot be pushed`, {
          hint: 'build it again (`skiff build`) and deploy the new artifact',
        });
      }
      await docker.getImage(artifact.digest).tag({ repo: repository, tag });
      return;
    case 'function':
      await buildFunctionImage(docker, { archivePath: artifact.archivePath, artifactDigest: artifact.digest, runtimeEntry: artifact.runtimeEntry, tag: `${repository}:${tag}` });
      return;
  }
}

/**
 * The release's image in the registry, by digest: reused when the registry has it, else built (an
 * archive) or tagged (an image) and pushed. The registry is asked before the engine, so an
 * unreachable registry is reported before anything is built.
 */
export async function releaseImage(options: ReleaseImageOptions): Promise<ReleaseImage> {
  const repository = imageRepository(options.registry, options.service);
  const tag = artifactTag(options.artifact.digest);
  const { credentials } = options;
  const existing = await manifestDigest(repository, tag, credentials);
  if (existing !== null && (await holdsArtifact(repository, existing, options.artifact, credentials))) {
    return { reference: pinnedImage(repository, existing), digest: existing, pushed: false };
  }
  const docker = await reachableEngine(options.engine);
  await tagArtifactImage(docker, options.service, options.artifact, repository, tag);
  const digest = (await pushImage(docker, repository, tag, credentials)) ?? (await manifestDigest(repository, tag, credentials));
  if (digest === null) {
    throw new SkiffError('SKIFF_IMAGE_PUSH_FAILED', `the engine pushed ${repository}:${tag}, but the registry does not list it`, {
      hint: "check that the environment's `registry:` names the registry the engine pushes to",
    });
  }
  return { reference: pinnedImage(repository, digest), digest, pushed: true };
}
