/** Temp directories and small trees for the artifacts tests. */
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, lstat, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/** A fresh temp directory per call, removed after the test. */
export function useTempDirs(): (label?: string) => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (label = 'artifacts') => {
    const dir = await mkdtemp(path.join(os.tmpdir(), `skiff-${label}-`));
    made.push(dir);
    return dir;
  };
}

export type TreeSpec = Record<string, string | { content: string; mode?: number } | { symlink: string } | { dir: true }>;

/** Writes files (`content`, optional mode), symlinks and empty directories under `root`. */
export async function writeTree(root: string, tree: TreeSpec): Promise<void> {
  for (const [relative, spec] of Object.entries(tree)) {
    const full = path.join(root, relative);
    await mkdir(path.dirname(full), { recursive: true });
    if (typeof spec === 'string') {
      await writeFile(full, spec);
    } else if ('symlink' in spec) {
      await symlink(spec.symlink, full);
    } else if ('dir' in spec) {
      await mkdir(full, { recursive: true });
    } else {
      await writeFile(full, spec.content);
      if (spec.mode !== undefined) await chmod(full, spec.mode);
    }
  }
}

export type SnapshotEntry = { kind: 'dir'; mode: number } | { kind: 'file'; mode: number; content: string } | { kind: 'symlink'; target: string };

/** The tree under `root` as plain data: kinds, modes, contents and link targets, keyed by relative path. */
export async function snapshotTree(root: string, skip: readonly string[] = []): Promise<Record<string, SnapshotEntry>> {
  const result: Record<string, SnapshotEntry> = {};
  const visit = async (relative: string): Promise<void> => {
    for (const name of (await readdir(path.join(root, relative))).sort()) {
      const rel = relative ? `${relative}/${name}` : name;
      if (skip.includes(rel)) continue;
      const full = path.join(root, rel);
      const stats = await lstat(full);
      if (stats.isSymbolicLink()) result[rel] = { kind: 'symlink', target: await readlink(full) };
      else if (stats.isDirectory()) {
        result[rel] = { kind: 'dir', mode: stats.mode & 0o777 };
        await visit(rel);
      } else result[rel] = { kind: 'file', mode: stats.mode & 0o777, content: await readFile(full, 'utf8') };
    }
  };
  await visit('');
  return result;
}

/** The environment builds get in tests: enough to find programs, nothing else from this process. */
export const buildEnv: Readonly<Record<string, string>> = { PATH: '/usr/local/bin:/usr/bin:/bin' };
