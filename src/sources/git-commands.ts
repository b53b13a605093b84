/** The git command lines the sources module runs, as argv arrays (never shell strings). Pure. */

/** A bare mirror of the repository: every ref, updated (and pruned) by a fetch. */
export function mirrorCloneArgv(url: string, mirrorDir: string): readonly string[] {
  return ['git', 'clone', '--mirror', '--quiet', '--', url, mirrorDir];
}

export function fetchArgv(mirrorDir: string): readonly string[] {
  return ['git', '--git-dir', mirrorDir, 'fetch', '--prune', '--quiet', 'origin'];
}

export function branchHeadArgv(mirrorDir: string, branch: string): readonly string[] {
  return ['git', '--git-dir', mirrorDir, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`];
}

/** Every branch with its head commit, one `NAME SHA` a line. */
export function branchHeadsArgv(mirrorDir: string): readonly string[] {
  return ['git', '--git-dir', mirrorDir, 'for-each-ref', '--format=%(refname:strip=2) %(objectname)', 'refs/heads'];
}

/** Exit 0: `ancestor` is in the history of `descendant`; 1: it is not; other: an unknown commit. */
export function isAncestorArgv(mirrorDir: string, ancestor: string, descendant: string): readonly string[] {
  return ['git', '--git-dir', mirrorDir, 'merge-base', '--is-ancestor', ancestor, descendant];
}

export function showFileArgv(mirrorDir: string, commit: string, file: string): readonly string[] {
  return ['git', '--git-dir', mirrorDir, 'show', `${commit}:${file}`];
}

/** Author name, e-mail, time and subject, NUL-separated (the subject may hold anything else). */
export function commitInfoArgv(mirrorDir: string, commit: string): readonly string[] {
  return ['git', '--git-dir', mirrorDir, 'show', '-s', '--format=%an%x00%ae%x00%aI%x00%s', commit];
}

/** The files a commit changed from its first parent (all its files for a root commit). */
export function changedFilesArgv(mirrorDir: string, from: string | null, to: string): readonly string[] {
  return from === null
    ? ['git', '--git-dir', mirrorDir, 'ls-tree', '-r', '--name-only', '-z', to]
    : ['git', '--git-dir', mirrorDir, 'diff', '--name-only', '-z', from, to];
}

/** The commits after `from` up to `to`, oldest first, along the first parents (a merge is one commit), at most `limit`. */
export function newCommitsArgv(mirrorDir: string, from: string, to: string, limit: number): readonly string[] {
  return ['git', '--git-dir', mirrorDir, 'rev-list', '--first-parent', `--max-count=${limit}`, `${from}..${to}`];
}

export function archiveArgv(mirrorDir: string, commit: string, tarFile: string): readonly string[] {
  return ['git', '--git-dir', mirrorDir, 'archive', '--format=tar', `--output=${tarFile}`, commit];
}

export function untarArgv(tarFile: string, directory: string): readonly string[] {
  return ['tar', '-xf', tarFile, '-C', directory];
}
