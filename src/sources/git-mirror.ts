/**
 * A bare mirror of a followed repository in the data directory: fetched at each sync, read by
 * commit (the spec file, the commit's author and subject, a clean tree of the commit).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../core/errors.js';
import type { ExecError } from '../core/errors.js';
import {
  archiveArgv,
  branchHeadArgv,
  branchHeadsArgv,
  changedFilesArgv,
  commitInfoArgv,
  fetchArgv,
  isAncestorArgv,
  mirrorCloneArgv,
  newCommitsArgv,
  showFileArgv,
  untarArgv,
} from './git-commands.js';
import type { Exec } from './git-exec.js';

export interface CommitInfo {
  readonly sha: string;
  readonly author: string;
  readonly email: string;
  readonly time: string;
  readonly subject: string;
}

export type Ancestry = 'ancestor' | 'not-ancestor' | 'unknown';

export class GitMirror {
  readonly dir: string;

  /** `root`: the data directory's folder for this source; one mirror per repository URL under it. */
  constructor(
    private readonly url: string,
    private readonly root: string,
    private readonly exec: Exec,
  ) {
    this.dir = path.join(root, `mirror-${createHash('sha256').update(url).digest('hex').slice(0, 12)}.git`);
  }

  /** Clones on first use, fetches after; SKIFF_SOURCE_UNREACHABLE with git's own words when that fails. */
  async fetch(): Promise<void> {
    if (!fs.existsSync(path.join(this.dir, 'HEAD'))) {
      fs.mkdirSync(this.root, { recursive: true });
      fs.rmSync(this.dir, { recursive: true, force: true });
      const cloned = await this.exec(mirrorCloneArgv(this.url, this.dir));
      if (cloned.exitCode !== 0) {
        fs.rmSync(this.dir, { recursive: true, force: true });
        throw unreachable(this.url, cloned);
      }
      return;
    }
    const fetched = await this.exec(fetchArgv(this.dir));
    if (fetched.exitCode !== 0) throw unreachable(this.url, fetched);
  }

  async branchHead(branch: string): Promise<string> {
    const head = await this.exec(branchHeadArgv(this.dir, branch));
    const sha = head.stdout.trim();
    if (head.exitCode !== 0 || sha === '') {
      throw new SkiffError('SKIFF_SOURCE_UNREACHABLE', `${this.url} has no branch "${branch}"`, {
        hint: 'push the branch, or set `source.branch` to one the repository has',
        path: 'source.branch',
      });
    }
    return sha;
  }

  /** Every branch of the repository (as of the last fetch), with its head commit. */
  async branchHeads(): Promise<Map<string, string>> {
    const listed = await this.exec(branchHeadsArgv(this.dir));
    if (listed.exitCode !== 0) throw unreachable(this.url, listed);
    const heads = new Map<string, string>();
    for (const line of listed.stdout.split('\n')) {
      const cut = line.lastIndexOf(' ');
      if (cut > 0) heads.set(line.slice(0, cut), line.slice(cut + 1));
    }
    return heads;
  }

  async ancestry(ancestor: string, descendant: string): Promise<Ancestry> {
    const result = await this.exec(isAncestorArgv(this.dir, ancestor, descendant));
    return result.exitCode === 0 ? 'ancestor' : result.exitCode === 1 ? 'not-ancestor' : 'unknown';
  }

  /** The file's text at the commit, or null when the commit has no such file. */
  async readFile(commit: string, file: string): Promise<string | null> {
    const shown = await this.exec(showFileArgv(this.dir, commit, file));
    return shown.exitCode === 0 ? shown.stdout : null;
  }

  async commitInfo(commit: string): Promise<CommitInfo> {
    const shown = await this.exec(commitInfoArgv(this.dir, commit));
    if (shown.exitCode !== 0) throw unreachable(this.url, shown);
    const [author = '', email = '', time = '', subject = ''] = shown.stdout.replace(/\n$/, '').split('\0');
    return { sha: commit, author, email, time, subject };
  }

  async changedFiles(from: string | null, to: string): Promise<string[]> {
    const listed = await this.exec(changedFilesArgv(this.dir, from, to));
    if (listed.exitCode !== 0) throw unreachable(this.url, listed);
    return listed.stdout.split('\0').filter((name) => name !== '');
  }

  /** The newest `limit` commits after `from` up to `to`, oldest first. */
  async newCommits(from: string, to: string, limit: number): Promise<string[]> {
    const listed = await this.exec(newCommitsArgv(this.dir, from, to, limit));
    if (listed.exitCode !== 0) throw unreachable(this.url, listed);
    return listed.stdout.split('\n').filter((sha) => sha !== '').reverse();
  }

  /** A clean copy of the commit's tree (kept: a revision's services run from it). */
  async checkout(commit: string, treesDir: string): Promise<string> {
    const target = path.join(treesDir, commit);
    if (fs.existsSync(target)) return target;
    const partial = `${target}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    const tarFile = `${partial}.tar`;
    try {
      for (const argv of [archiveArgv(this.dir, commit, tarFile), untarArgv(tarFile, partial)]) {
        const result = await this.exec(argv);
        if (result.exitCode !== 0) throw unreachable(this.url, result);
      }
      fs.renameSync(partial, target);
      return target;
    } finally {
      fs.rmSync(tarFile, { force: true });
      fs.rmSync(partial, { recursive: true, force: true });
    }
  }
}

function unreachable(url: string, result: ExecError): SkiffError {
  const said = result.stderr.trim().split('\n').filter(Boolean).slice(-3).join('; ') || `exit code ${result.exitCode}`;
  return new SkiffError('SKIFF_SOURCE_UNREACHABLE', `git could not read ${url}: ${said}`, {
    hint: 'check the URL, the network and the credentials git uses for it (git runs without a terminal: no password prompt)',
    path: 'source.git',
  });
}
