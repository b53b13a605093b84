/**
 * Branches of the repositories previews are built from: one bare mirror per repository under the
 * data directory, fetched before each read, with git run on one mirror at a time.
 */
import path from 'node:path';
import { SkiffError } from '../core/errors.js';
import type { Exec } from './git-exec.js';
import { GitMirror } from './git-mirror.js';
import type { CommitInfo } from './git-mirror.js';
import { short } from './source-sync.js';

/** A branch's newest commit and a clean copy of its tree. */
export interface BranchTip {
  readonly commit: CommitInfo;
  readonly tree: string;
}

/** How many branch names an unknown-branch error lists. */
const namesListed = 10;

export class BranchCheckouts {
  private readonly queues = new Map<string, Promise<unknown>>();

  /** `root`: the data directory's folder for branch mirrors and trees. */
  constructor(
    private readonly root: string,
    private readonly exec: Exec,
  ) {}

  /** Every branch of the repository now, with its head commit. */
  heads(repo: string): Promise<Map<string, string>> {
    return this.serially(repo, async (mirror) => {
      await mirror.fetch();
      return mirror.branchHeads();
    });
  }

  /** The branch's head now, checked out; SKIFF_PREVIEW_BRANCH_NOT_FOUND naming the branches there are when it has none. */
  tip(repo: string, branch: string): Promise<BranchTip> {
    return this.serially(repo, async (mirror) => {
      await mirror.fetch();
      const heads = await mirror.branchHeads();
      const sha = heads.get(branch);
      if (sha === undefined) {
        const names = [...heads.keys()].sort();
        throw new SkiffError('SKIFF_PREVIEW_BRANCH_NOT_FOUND', `${repo} has no branch "${branch}"`, {
          path: 'branch',
          hint: names.length === 0 ? 'the repository has no branch yet: push one' : `push it first; branches there: ${names.slice(0, namesListed).join(', ')}${names.length > namesListed ? ', …' : ''}`,
        });
      }
      const commit = await mirror.commitInfo(sha);
      return { commit, tree: await mirror.checkout(sha, path.join(this.root, 'trees')) };
    });
  }

  private serially<T>(repo: string, work: (mirror: GitMirror) => Promise<T>): Promise<T> {
    const mirror = new GitMirror(repo, this.root, this.exec);
    const previous = this.queues.get(repo) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => work(mirror));
    const settled = next.catch(() => undefined);
    this.queues.set(repo, settled);
    void settled.then(() => {
      if (this.queues.get(repo) === settled) this.queues.delete(repo);
    });
    return next;
  }
}

/** `main@1a2b3c4d5e6f`: a branch at a commit, for messages. */
export function branchAt(branch: string, commit: string): string {
  return `${branch}@${short(commit)}`;
}
