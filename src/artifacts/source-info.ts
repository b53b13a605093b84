/** Which commit a context directory was built from, when it lies in a git work tree. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from './run-command.js';

export interface SourceInfo {
  /** The full commit id of HEAD. */
  readonly commit: string;
  /** True when the context has uncommitted or untracked changes; null when that could not be told. */
  readonly dirty: boolean | null;
}

const commitPattern = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Asks git first (it knows worktrees, packed refs and submodules); when git is missing or refuses
 * the directory (another owner), reads `.git/HEAD` and the ref it names, without the dirty flag.
 */
export async function readSourceInfo(contextDir: string, env: Readonly<Record<string, string>>): Promise<SourceInfo | null> {
  return (await fromGit(contextDir, env)) ?? (await fromFiles(contextDir));
}

async function fromGit(contextDir: string, env: Readonly<Record<string, string>>): Promise<SourceInfo | null> {
  const gitEnv = { PATH: env.PATH ?? '/usr/local/bin:/usr/bin:/bin', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
  const run = (args: readonly string[]) =>
    runCommand(['git', '-C', contextDir, ...args], { cwd: contextDir, env: gitEnv, timeoutMs: 10_000 });
  const head = await run(['rev-parse', '--verify', '-q', 'HEAD']);
  const commit = head.stdout.trim();
  if (head.exitCode !== 0 || !commitPattern.test(commit)) return null;
  const status = await run(['status', '--porcelain', '--', '.']);
  return { commit, dirty: status.exitCode === 0 ? status.stdout.trim() !== '' : null };
}

async function fromFiles(contextDir: string): Promise<SourceInfo | null> {
  const gitDir = await findGitDir(path.resolve(contextDir));
  if (gitDir === null) return null;
  const head = (await readText(path.join(gitDir, 'HEAD')))?.trim();
  if (!head) return null;
  if (commitPattern.test(head)) return { commit: head, dirty: null };
  const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
  if (ref === undefined) return null;
  const loose = (await readText(path.join(gitDir, ...ref.split('/'))))?.trim();
  if (loose && commitPattern.test(loose)) return { commit: loose, dirty: null };
  const packed = await readText(path.join(gitDir, 'packed-refs'));
  for (const line of packed?.split('\n') ?? []) {
    const [commit, name] = line.trim().split(' ');
    if (name === ref && commit && commitPattern.test(commit)) return { commit, dirty: null };
  }
  return null;
}

/** The `.git` directory of the nearest enclosing work tree; a `.git` file (worktrees) points elsewhere. */
async function findGitDir(start: string): Promise<string | null> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.git');
    const stats = await stat(candidate).catch(() => null);
    if (stats?.isDirectory()) return candidate;
    if (stats?.isFile()) {
      const pointer = /^gitdir: (.+)$/m.exec((await readText(candidate)) ?? '')?.[1];
      return pointer ? path.resolve(dir, pointer.trim()) : null;
    }
    if (path.dirname(dir) === dir) return null;
  }
}

async function readText(file: string): Promise<string | null> {
  return readFile(file, 'utf8').catch(() => null);
}
