/**
 * A process service's artifact as an image: Skiff's Node.js base image (built locally, nothing is
 * pulled) with the artifact unpacked in /app, the working directory, and the service's start
 * command as the image's command. The artifact's tar goes into the build context as it is stored;
 * `ADD` unpacks a local tar, so the files in the image are the artifact's, byte for byte.
 */
import type Docker from 'dockerode';
import { buildImage, ensureBaseImage } from '../../../drivers/docker/index.js';

export const ARTIFACT_LABEL = 'skiff.artifact';

export interface ArtifactImageBuild {
  /** The artifact's archive (a tar named by its digest in the artifact store). */
  readonly archivePath: string;
  readonly artifactDigest: string;
  /** The service's start command, as argv. */
  readonly start: readonly string[];
  /** The `name:tag` to give the image. */
  readonly tag: string;
}

/** The Dockerfile of an artifact image on `baseImage` (an image id). */
export function artifactDockerfile(baseImage: string, start: readonly string[]): string {
  // The exec form takes a JSON array: no shell in the image, and none needed.
  return [`FROM ${baseImage}`, 'ADD artifact.tar /app/', 'WORKDIR /app', `CMD ${JSON.stringify(start)}`, ''].join('\n');
}

/** Builds the image and returns its id (`sha256:…`). */
export async function buildArtifactImage(docker: Docker, build: ArtifactImageBuild): Promise<string> {
  const base = await ensureBaseImage(docker);
  return buildImage(docker, {
    tag: build.tag,
    entries: [
      { kind: 'file', path: 'Dockerfile', content: artifactDockerfile(base.id, build.start) },
      { kind: 'host-file', path: 'artifact.tar', source: build.archivePath },
    ],
    labels: { [ARTIFACT_LABEL]: build.artifactDigest },
  });
}
