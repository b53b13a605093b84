/** Finds a health route in a service's source: a string literal such as '/health' in a handler. */
import fs from 'node:fs/promises';
import path from 'node:path';

/** In order of preference: a readiness route says most about whether to send traffic. */
const candidates = ['/healthz', '/health', '/readyz', '/ready', '/livez', '/_health', '/ping'] as const;
const literal = new RegExp(`["'\`](${candidates.map((candidate) => candidate.replace('/', '\\/')).join('|')})["'\`]`, 'g');
const sourceExtensions = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.py', '.go', '.rb', '.java', '.kt', '.rs']);
const skipped = new Set(['node_modules', 'vendor', 'venv', '.venv', '__pycache__', 'dist', 'build', 'test', 'tests']);

/** Bounds so that init stays instant on a large repository. */
const maxFiles = 200;
const maxFileBytes = 256 * 1024;
const maxDepth = 3;

export async function findHealthPath(dir: string): Promise<string | undefined> {
  const seen = new Set<string>();
  for (const file of await sourceFiles(dir, 0, { count: 0 })) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    for (const match of text.matchAll(literal)) seen.add(match[1]!);
  }
  return candidates.find((candidate) => seen.has(candidate));
}

async function sourceFiles(dir: string, depth: number, budget: { count: number }): Promise<string[]> {
  if (depth > maxDepth) return [];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (budget.count >= maxFiles) break;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith('.') && !skipped.has(entry.name)) {
      files.push(...(await sourceFiles(full, depth + 1, budget)));
    } else if (entry.isFile() && sourceExtensions.has(path.extname(entry.name))) {
      const size = (await fs.stat(full).catch(() => undefined))?.size ?? Infinity;
      if (size > maxFileBytes) continue;
      budget.count += 1;
      files.push(full);
    }
  }
  return files;
}
