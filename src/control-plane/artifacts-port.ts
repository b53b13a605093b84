/**
 * The artifact store of this machine as the control plane uses it: builds, lookups, verification,
 * and what each release's instances start from. Archives live in the artifact store; images of
 * docker services live in the Docker engine, with Skiff's records of them beside the archives.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactSummary } from '../api/control-plane.js';
import { buildArtifact, createArtifactStore } from '../artifacts/index.js';
import type { ArtifactRecord } from '../artifacts/index.js';
import { newestFirst } from '../artifacts/artifact-record.js';
import { selectArtifact } from '../artifacts/version-spec.js';
import { systemClock } from '../core/clock.js';
import { SkiffError, isSkiffError } from '../core/errors.js';
import { createImageArtifacts } from '../drivers/docker/image-artifacts.js';
import type { PreparedStart } from '../providers/local/instance-lifecycle.js';
import type { DesiredService } from '../spec/desired.js';
import type { ArtifactPort } from './release-operations.js';

export type { PreparedStart };

export interface LocalArtifacts extends ArtifactPort {
  prepare(desired: DesiredService): Promise<PreparedStart>;
  /** Where the archive of a digest is kept (whether or not it exists). */
  archivePath(digest: string): string;
}

export function createLocalArtifacts(options: {
  dataDir: string;
  baseEnv: Readonly<Record<string, string>>;
  /** The Docker engine's address as in DOCKER_HOST. */
  dockerHost?: string;
}): LocalArtifacts {
  const store = createArtifactStore(path.join(options.dataDir, 'artifacts'));
  const images = createImageArtifacts({
    dir: path.join(options.dataDir, 'artifacts', 'images'),
    clock: systemClock,
    env: options.baseEnv,
    ...(options.dockerHost !== undefined ? { dockerHost: options.dockerHost } : {}),
  });
  const unpacked = path.join(options.dataDir, 'releases');

  async function records(service: string): Promise<ArtifactRecord[]> {
    return [...(await store.list(service)), ...(await images.list(service))].sort(newestFirst);
  }

  async function prepareImage(desired: DesiredService): Promise<PreparedStart> {
    const directory = desired.directory ?? '/';
    try {
      if (desired.image) return { directory, image: await images.require(desired.image, desired.name) };
      if (desired.imageBuild) return { directory, image: await images.buildSource(desired.name, desired.imageBuild) };
    } catch (error) {
      if (isSkiffError(error) && error.code === 'SKIFF_DOCKER_UNAVAILABLE') {
        // The reason an instance shows says which service setting needs the engine and how to get one.
        throw new SkiffError('SKIFF_DOCKER_UNAVAILABLE', `services.${desired.name}.driver: docker needs a Docker engine; ${error.message}`, {
          hint: error.hint,
          cause: error,
        });
      }
      throw error;
    }
    throw new SkiffError('SKIFF_NOT_DEPLOYED', `${desired.name} has no image in ${desired.environment}`, {
      hint: `build and deploy one: skiff build ${desired.name} && skiff deploy ${desired.name} latest ${desired.environment}`,
    });
  }

  return {
    async build({ service, context, command, output, image, commit }) {
      if (image) return artifactSummary(await images.build({ service, serviceDir: context, image, commit }));
      const workDir = path.join(options.dataDir, 'builds');
      await mkdir(workDir, { recursive: true });
      const result = await buildArtifact({
        service,
        contextDir: context,
        store,
        env: options.baseEnv,
        ...(command ? { command } : {}),
        ...(output ? { output } : {}),
        workDir,
        // A commit's clean tree has no .git: the commit is known, and the tree is clean by construction.
        ...(commit ? { source: { commit, dirty: false } } : {}),
      });
      return artifactSummary(result.record);
    },
    async list(service) {
      return (await records(service)).map(artifactSummary);
    },
    async resolve(service, version) {
      return artifactSummary(selectArtifact(service, version, await records(service)));
    },
    async verify(digest) {
      // An image's digest is its id: it is intact when the engine has an image with that id.
      if (await images.isImage(digest)) await images.require(digest, 'the artifact');
      else await store.verify(digest);
    },
    archivePath: (digest) => store.archivePath(digest),
    async prepare(desired) {
      if (desired.driver === 'docker') return prepareImage(desired);
      if (desired.artifact) {
        const target = path.join(unpacked, desired.artifact.replace('sha256:', ''));
        await store.unpack(desired.artifact, target);
        return { directory: target };
      }
      if (desired.directory) return { directory: desired.directory };
      throw new SkiffError('SKIFF_NOT_DEPLOYED', `${desired.name} has no release in ${desired.environment}`);
    },
  };
}

function artifactSummary(record: ArtifactRecord): ArtifactSummary {
  return {
    digest: record.digest,
    service: record.service,
    size: record.size,
    createdAt: record.builtAt,
    sourceCommit: record.source?.commit ?? null,
  };
}
