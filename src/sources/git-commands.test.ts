import { describe, expect, it } from 'vitest';
import { branchHeadArgv, branchHeadsArgv, changedFilesArgv, commitInfoArgv, fetchArgv, mirrorCloneArgv, newCommitsArgv, showFileArgv } from './git-commands.js';

describe('git commands', () => {
  it('are argv arrays with the URL after --, so a URL starting with a dash is never an option', () => {
    expect(mirrorCloneArgv('-oops', '/data/m.git')).toEqual(['git', 'clone', '--mirror', '--quiet', '--', '-oops', '/data/m.git']);
    expect(fetchArgv('/data/m.git')).toEqual(['git', '--git-dir', '/data/m.git', 'fetch', '--prune', '--quiet', 'origin']);
  });

  it('read one branch, one file and one commit of the mirror', () => {
    expect(branchHeadsArgv('/m')).toEqual(['git', '--git-dir', '/m', 'for-each-ref', '--format=%(refname:strip=2) %(objectname)', 'refs/heads']);
    expect(branchHeadArgv('/m', 'main')).toEqual(['git', '--git-dir', '/m', 'rev-parse', '--verify', '--quiet', 'refs/heads/main^{commit}']);
    expect(showFileArgv('/m', 'abc', 'deploy/skiff.yaml')).toEqual(['git', '--git-dir', '/m', 'show', 'abc:deploy/skiff.yaml']);
    expect(commitInfoArgv('/m', 'abc')).toEqual(['git', '--git-dir', '/m', 'show', '-s', '--format=%an%x00%ae%x00%aI%x00%s', 'abc']);
    expect(changedFilesArgv('/m', null, 'abc')).toEqual(['git', '--git-dir', '/m', 'ls-tree', '-r', '--name-only', '-z', 'abc']);
    expect(newCommitsArgv('/m', 'abc', 'def', 20)).toEqual(['git', '--git-dir', '/m', 'rev-list', '--first-parent', '--max-count=20', 'abc..def']);
  });
});
