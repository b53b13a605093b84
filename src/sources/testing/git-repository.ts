/**
 * For tests: a real bare repository and a work tree that pushes to it, with commits made by a
 * fixed author (so the tests can assert who is recorded).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const testAuthor = { name: 'Ada Tester', email: 'ada@example.test' } as const;

export interface TestRepository {
  /** The bare repository a source follows. */
  readonly bare: string;
  readonly work: string;
  /** Writes the files, commits them with the message, pushes; the new commit's id. `onBranch`: another branch (made from the first when new). */
  commit(files: Readonly<Record<string, string | null>>, message: string, onBranch?: string): string;
  /** Deletes the branch from the repository. */
  deleteBranch(name: string): void;
  /** Moves the branch back to `commit` and pushes with --force (a rewritten history). */
  forcePushTo(commit: string): void;
  remove(): void;
}

export function createTestRepository(branch = 'main'): TestRepository {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-git-'));
  const bare = path.join(root, 'origin.git');
  const work = path.join(root, 'work');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: testAuthor.name,
    GIT_AUTHOR_EMAIL: testAuthor.email,
    GIT_COMMITTER_NAME: testAuthor.name,
    GIT_COMMITTER_EMAIL: testAuthor.email,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
  const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
  git(root, 'init', '--quiet', '--bare', `--initial-branch=${branch}`, bare);
  git(root, 'init', '--quiet', `--initial-branch=${branch}`, work);
  git(work, 'remote', 'add', 'origin', bare);
  return {
    bare,
    work,
    commit(files, message, onBranch = branch) {
      if (onBranch !== branch) {
        const exists = git(work, 'branch', '--list', onBranch) !== '';
        git(work, 'checkout', '--quiet', ...(exists ? [onBranch] : ['-b', onBranch, branch]));
      }
      for (const [name, content] of Object.entries(files)) {
        const file = path.join(work, name);
        if (content === null) fs.rmSync(file, { force: true });
        else {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, content);
        }
      }
      git(work, 'add', '--all');
      git(work, 'commit', '--quiet', '--allow-empty', '-m', message);
      git(work, 'push', '--quiet', 'origin', onBranch);
      const sha = git(work, 'rev-parse', 'HEAD');
      if (onBranch !== branch) git(work, 'checkout', '--quiet', branch);
      return sha;
    },
    deleteBranch(name) {
      git(work, 'push', '--quiet', 'origin', '--delete', name);
      git(work, 'branch', '--quiet', '-D', name);
    },
    forcePushTo(commit) {
      git(work, 'reset', '--quiet', '--hard', commit);
      git(work, 'push', '--quiet', '--force', 'origin', branch);
    },
    remove() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
