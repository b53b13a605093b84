/**
 * The build context of a service's Dockerfile as a tar stream's entries: the context directory
 * minus what `.skiffignore` lists (the same rules as the archive build), read in the same fixed
 * order so the same files give the engine the same context (and its build cache a hit).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readIgnoreRules } from '../../artifacts/context-copy.js';
import { normalizedMode, walkTree } from '../../artifacts/tree-walk.js';
import type { TarEntry } from './tar-stream.js';

export async function contextEntries(contextDir: string): Promise<TarEntry[]> {
  const rules = await readIgnoreRules(contextDir);
  const tree = await walkTree(contextDir, { skip: (relative, isDirectory) => rules.ignores(relative, isDirectory) });
  const entries: TarEntry[] = [];
  for (const entry of tree) {
    const source = path.join(contextDir, entry.path);
    switch (entry.kind) {
      case 'directory':
        entries.push({ kind: 'directory', path: entry.path });
        break;
      case 'file':
        entries.push({ kind: 'host-file', path: entry.path, source, mode: normalizedMode(entry) });
        break;
      case 'symlink': {
        // The tar writer has no links: a link is sent as the file it points to; a dangling one is left out.
        const target = await stat(source).catch(() => null);
        if (target?.isFile()) entries.push({ kind: 'host-file', path: entry.path, source, mode: target.mode & 0o111 ? 0o755 : 0o644 });
        break;
      }
    }
  }
  return entries;
}

/** The images a Dockerfile's `FROM` lines name (stage names and `scratch` left out). */
export function dockerfileBases(text: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!match?.[1]) continue;
    const image = match[1];
    if (image !== 'scratch' && !stages.has(image.toLowerCase()) && !bases.includes(image)) bases.push(image);
    if (match[2]) stages.add(match[2].toLowerCase());
  }
  return bases;
}
