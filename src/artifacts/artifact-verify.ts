/** Verifying a stored archive against its digest, and unpacking it only when it is intact. */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SkiffError } from '../core/errors.js';
import { digestOfFile, type Digest } from './digest.js';
import { extractArchive, listArchive, type ArchiveEntry } from './tar-unpack.js';

/** Names the digest an unpacked tree came from; written last, so its presence means the tree is whole. */
export const DIGEST_MARKER = '.skiff-digest';

export interface VerifyResult {
  readonly digest: Digest;
  readonly size: number;
  readonly path: string;
}

export interface UnpackResult {
  readonly digest: Digest;
  readonly dir: string;
  /** True when a complete earlier unpack of the same digest was kept as it was. */
  readonly reused: boolean;
}

export async function verifyStored(digest: Digest, archive: string): Promise<VerifyResult> {
  let actual;
  try {
    actual = await digestOfFile(archive);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(digest, archive, error);
    throw error;
  }
  if (actual.digest !== digest) throw mismatch(digest, actual.digest, archive);
  return { digest, size: actual.size, path: archive };
}

export async function unpackVerified(digest: Digest, archive: string, targetDir: string): Promise<UnpackResult> {
  await verifyStored(digest, archive);
  const dir = path.resolve(targetDir);
  const marker = await readFile(path.join(dir, DIGEST_MARKER), 'utf8').catch(() => null);
  if (marker?.trim() === digest && (await isComplete(dir, await listArchive(archive)))) return { digest, dir, reused: true };

  await mkdir(path.dirname(dir), { recursive: true });
  const suffix = randomBytes(6).toString('hex');
  const staging = `${dir}.skiff-new-${suffix}`;
  const old = `${dir}.skiff-old-${suffix}`;
  await mkdir(staging);
  try {
    const extracted = await extractArchive(archive, staging);
    // The archive could have been swapped between the check above and the extraction.
    if (extracted.digest !== digest) throw mismatch(digest, extracted.digest, archive);
    await writeFile(path.join(staging, DIGEST_MARKER), `${digest}\n`, { mode: 0o644 });
    await replaceTarget(dir, staging, old, marker !== null);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  await rm(old, { recursive: true, force: true });
  return { digest, dir, reused: false };
}

async function replaceTarget(dir: string, staging: string, old: string, ours: boolean): Promise<void> {
  const existing = await lstat(dir).catch(() => null);
  if (existing === null) return rename(staging, dir);
  if (!existing.isDirectory() || (!ours && (await readdir(dir)).length > 0)) {
    throw new SkiffError('SKIFF_ARTIFACT_TARGET_IN_USE', `${dir} already exists and was not unpacked by Skiff`, {
      hint: 'unpack into an empty or new directory',
    });
  }
  await rename(dir, old);
  await rename(staging, dir);
}

/** Every entry of the archive is present with its kind, size or link target: cheap, without re-reading contents. */
async function isComplete(dir: string, entries: readonly ArchiveEntry[]): Promise<boolean> {
  for (const entry of entries) {
    const full = path.join(dir, ...entry.path.split('/'));
    const stats = await lstat(full).catch(() => null);
    if (stats === null) return false;
    switch (entry.kind) {
      case 'directory':
        if (!stats.isDirectory()) return false;
        break;
      case 'file':
        if (!stats.isFile() || stats.size !== entry.size) return false;
        break;
      case 'symlink':
        if (!stats.isSymbolicLink() || (await readlink(full)) !== entry.target) return false;
        break;
    }
  }
  return true;
}

function mismatch(expected: Digest, actual: Digest, archive: string): SkiffError {
  return new SkiffError(
    'SKIFF_ARTIFACT_DIGEST_MISMATCH',
    `the stored artifact ${archive} hashes to ${actual}, not ${expected}`,
    { hint: 'the file was altered or corrupted: build the service again, or restore the file from a backup' },
  );
}

function notFound(digest: Digest, archive: string, cause: unknown): SkiffError {
  return new SkiffError('SKIFF_ARTIFACT_NOT_FOUND', `artifact ${digest} is not in the store (no ${archive})`, {
    hint: 'build the service again, or copy the artifact into the store',
    cause,
  });
}
