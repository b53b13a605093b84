/**
 * The commit trees a pipeline checked out for builds are kept only while a build still needs
 * them: the rest (and what an interrupted checkout left) is removed, so the data directory does
 * not grow by a tree per commit.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** Removes every entry of `treesDir` that is not the tree of a commit in `keep`; the names removed. */
export async function sweepTrees(treesDir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const names = await readdir(treesDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const removed = names.filter((name) => !keep.has(name));
  await Promise.all(removed.map((name) => rm(path.join(treesDir, name), { recursive: true, force: true })));
  return removed;
}
