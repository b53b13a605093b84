/**
 * Where volumes live and how a directory of one is saved and restored. The process driver keeps
 * a volume as a directory under the data dir; the docker driver as a named volume whose
 * directory the local engine keeps on this machine. Both back up and restore the same way.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { extractArchive } from '../artifacts/tar-unpack.js';
import { packDirectory } from '../artifacts/tar-pack.js';
import { volumeEnvName } from '../spec/volume-env.js';
import type { VolumeMount } from '../spec/volume-env.js';
import type { VolumeRef } from './driver.js';

/** The process driver's directory of a volume: per environment, per service, per name. */
export function volumeDirectory(dataDir: string, ref: VolumeRef): string {
  return path.join(dataDir, 'volumes', ref.environment, ref.service, ref.name);
}

/** A short tag of the data dir, so two Skiff data dirs on one engine never share a Docker volume. */
export function volumeScope(dataDir: string): string {
  return createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 8);
}

/** The Docker volume of a ref: `skiff-<scope>-<environment>-<service>-<name>`. */
export function dockerVolumeName(scope: string, ref: VolumeRef): string {
  return `skiff-${scope}-${ref.environment}-${ref.service}-${ref.name}`;
}

/** SKIFF_VOLUME_<NAME> for each volume, with where the instance finds it. */
export function volumeEnv(volumes: readonly VolumeMount[], locate: (volume: VolumeMount) => string): Record<string, string> {
  return Object.fromEntries(volumes.map((volume) => [volumeEnvName(volume.name), locate(volume)]));
}

/** Deletes a process volume's directory; false when there was none. */
export async function removeDirectory(directory: string): Promise<boolean> {
  if (!(await directoryExists(directory))) return false;
  await rm(directory, { recursive: true, force: true });
  return true;
}

export async function directoryExists(directory: string): Promise<boolean> {
  return (await stat(directory).catch(() => null))?.isDirectory() ?? false;
}

/** Packs the directory's tree into a new tar file; its size in bytes. */
export async function backupDirectory(directory: string, tarPath: string): Promise<number> {
  return (await packDirectory(directory, tarPath)).size;
}

/**
 * Replaces the directory's contents with the archive's: extracted beside it first (a bad archive
 * leaves the volume as it was), then the old entries go and the new ones move in. The directory
 * itself stays (a Docker volume's `_data` is the engine's), so its owner and mode stay too.
 */
export async function restoreDirectory(directory: string, tarPath: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const staging = path.join(path.dirname(directory), `.restore-${path.basename(directory)}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  try {
    await extractArchive(tarPath, staging);
    for (const entry of await readdir(directory)) await rm(path.join(directory, entry), { recursive: true, force: true });
    for (const entry of await readdir(staging)) await rename(path.join(staging, entry), path.join(directory, entry));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
