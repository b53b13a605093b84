/** The example shop as e2e tests start it: its spec and files as they are in the repository. */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './platform.js';

export const shopDir = path.join(repoRoot, 'examples', 'shop');

export function shopSpec(): string {
  return fs.readFileSync(path.join(shopDir, 'skiff.yaml'), 'utf8');
}

/** The shop's files besides skiff.yaml, without any data a run left behind. */
export function shopFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(shopDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const relative = path.relative(shopDir, path.join(entry.parentPath, entry.name));
    if (relative === 'skiff.yaml' || relative.split(path.sep).includes('data')) continue;
    files[relative] = fs.readFileSync(path.join(shopDir, relative), 'utf8');
  }
  return files;
}

/** Removes the images a run built for `service` (their tags, then the image), only where no container uses them (no -f). */
export function removeBuiltImages(digests: readonly string[], docker: (args: string[]) => string): void {
  for (const digest of digests) {
    const tags = docker(['image', 'inspect', '--format', '{{join .RepoTags " "}}', digest]);
    docker(['rmi', ...(tags ? tags.split(' ') : [digest])]);
  }
}
