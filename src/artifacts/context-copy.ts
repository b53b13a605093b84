/** Copies a service's context directory into a clean directory, leaving out what `.skiffignore` lists. */
import { chmod, copyFile, mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { parseIgnoreRules, type IgnoreRules } from './ignore-rules.js';
import { normalizedMode, walkTree } from './tree-walk.js';

export const IGNORE_FILE = '.skiffignore';

export async function readIgnoreRules(contextDir: string): Promise<IgnoreRules> {
  try {
    return parseIgnoreRules(await readFile(path.join(contextDir, IGNORE_FILE), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return parseIgnoreRules('');
    throw error;
  }
}

/** Copies into `targetDir` (which must exist and be empty); returns how many entries were copied. */
export async function copyContext(contextDir: string, targetDir: string): Promise<number> {
  const rules = await readIgnoreRules(contextDir);
  const entries = await walkTree(contextDir, { skip: (relative, isDirectory) => rules.ignores(relative, isDirectory) });
  for (const entry of entries) {
    const from = path.join(contextDir, entry.path);
    const to = path.join(targetDir, entry.path);
    switch (entry.kind) {
      case 'directory':
        await mkdir(to, { mode: 0o755 });
        break;
      case 'file':
        await copyFile(from, to);
        await chmod(to, normalizedMode(entry));
        break;
      case 'symlink':
        await symlink(entry.target, to);
        break;
    }
  }
  return entries.length;
}
