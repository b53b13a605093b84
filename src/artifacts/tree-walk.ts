/** Lists a directory tree in a fixed order, the one order packing and copying both rely on. */
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

export type TreeEntry =
  | { readonly kind: 'directory'; readonly path: string; readonly mode: number }
  | { readonly kind: 'file'; readonly path: string; readonly mode: number; readonly size: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

export interface WalkOptions {
  /** Return true to leave an entry out; a directory left out is not entered. */
  readonly skip?: (relativePath: string, isDirectory: boolean) => boolean;
}

/**
 * Every directory, regular file and symlink under `root` (not `root` itself), with `/`-separated
 * relative paths, sorted by their UTF-8 bytes so the order does not depend on locale or on the
 * order the file system returns. Symlinks are not followed; sockets, FIFOs and devices are left out.
 */
export async function walkTree(root: string, options: WalkOptions = {}): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  const visit = async (relativeDir: string): Promise<void> => {
    const names = await readdir(path.join(root, relativeDir));
    for (const name of names) {
      const relative = relativeDir === '' ? name : `${relativeDir}/${name}`;
      const full = path.join(root, relative);
      const stats = await lstat(full);
      if (stats.isDirectory()) {
        if (options.skip?.(relative, true)) continue;
        entries.push({ kind: 'directory', path: relative, mode: stats.mode & 0o7777 });
        await visit(relative);
      } else if (stats.isFile()) {
        if (options.skip?.(relative, false)) continue;
        entries.push({ kind: 'file', path: relative, mode: stats.mode & 0o7777, size: stats.size });
      } else if (stats.isSymbolicLink()) {
        if (options.skip?.(relative, false)) continue;
        entries.push({ kind: 'symlink', path: relative, target: await readlink(full) });
      }
    }
  };
  await visit('');
  return entries.sort((a, b) => compareBytes(a.path, b.path));
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** 0755 for directories and files with any execute bit, 0644 for other files: owners and umasks must not change a digest. */
export function normalizedMode(entry: TreeEntry): number {
  switch (entry.kind) {
    case 'directory':
      return 0o755;
    case 'file':
      return entry.mode & 0o111 ? 0o755 : 0o644;
    case 'symlink':
      return 0o777;
  }
}
