/**
 * The artifact store of this machine as the control plane uses it: builds, lookups, verification,
 * and the directory each release's instances start in.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactSummary } from '../api/control-plane.js';
import { buildArtifact, createArtifactStore } from '../artifacts/index.js';
import type { ArtifactRecord } from '../artifacts/index.js';
import { SkiffError } from '../core/errors.js';
import type { DesiredService } from '../spec/desired.js';
import type { ArtifactPort } from './release-operations.js';

export interface LocalArtifacts extends ArtifactPort {
  /** The verified, unpacked artifact directory of a release, or its source directory. */
  prepare(desired: DesiredService): Promise<string>;
}

export function createLocalArtifacts(options: { dataDir: string; baseEnv: Readonly<Record<string, string>> }): LocalArtifacts {
  const store = createArtifactStore(path.join(options.dataDir, 'artifacts'));
  const unpacked = path.join(options.dataDir, 'releases');
  return {
    async build({ service, context, command, output }) {
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
      });
      return artifactSummary(result.record);
    },
    async list(service) {
      return (await store.list(service)).map(artifactSummary);
    },
    async resolve(service, version) {
      return artifactSummary(await store.resolve(service, version));
    },
    async verify(digest) {
      await store.verify(digest);
    },
    async prepare(desired) {
      if (desired.artifact) {
        const target = path.join(unpacked, desired.artifact.replace('sha256:', ''));
        await store.unpack(desired.artifact, target);
        return target;
      }
      if (desired.directory) return desired.directory;
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
