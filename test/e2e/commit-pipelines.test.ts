/**
 * Pipelines started by commits, with the real `skiff up` and a real bare repository: a commit
 * touching one service of a monorepo runs that service's pipeline once, built from the commit's
 * clean tree (not the working directory), with the commit on the run, the artifact and the
 * release; a commit touching no service starts nothing; `skiff pipeline status` lists the commit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestRepository, testAuthor } from '../../src/sources/testing/git-repository.js';
import type { TestRepository } from '../../src/sources/testing/git-repository.js';
import { commitRuns, messageServer, messageServiceYaml, waitForWatching } from './commit-runs.js';
import type { CommitRunJson } from './commit-runs.js';
import { startPlatform, waitFor } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
let repository: TestRepository | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  repository?.remove();
  repository = undefined;
});

function spec(bare: string): string {
  return `name: mono
services:
${messageServiceYaml('catalog')}${messageServiceYaml('cart')}environments:
  dev: {}
pipelines:
  ci:
    trigger:
      git: { repo: ${bare}, branch: main, paths: ['catalog/**', 'cart/**'], interval: 1s }
    stages:
      - build
      - deploy: dev
`;
}

describe('commit-started pipelines', () => {
  it('a commit touching one service runs its pipeline from the commit; a commit touching none starts nothing', async () => {
    repository = createTestRepository();
    const files = (tag: string): Record<string, string> => ({
      'catalog/server.mjs': messageServer,
      'catalog/message.txt': `catalog ${tag}`,
      'cart/server.mjs': messageServer,
      'cart/message.txt': `cart ${tag}`,
    });
    repository.commit({ ...files('first commit'), 'README.md': 'the shop' }, 'two services');
    platform = await startPlatform({ spec: spec(repository.bare), files: files('working copy') });
    const up = platform;
    const getJson = async <T>(path: string): Promise<T> => (await (await up.fetch(path)).json()) as T;
    const runs = (): Promise<CommitRunJson[]> => commitRuns(up);

    // The trigger first records the branch as it is: history starts nothing.
    await waitForWatching(up);
    expect(await runs()).toEqual([]);

    // A commit touching only catalog: one run, for catalog, for exactly that commit.
    const touching = repository.commit({ 'catalog/message.txt': 'catalog second commit' }, 'catalog: new message');
    const run = await waitFor('the run of the commit to succeed', async () => {
      const done = (await runs()).find((candidate) => candidate.commit?.sha === touching);
      if (done?.state === 'failed') throw new Error(`run failed: ${done.reason}`);
      return done?.state === 'succeeded' ? done : undefined;
    }, 60_000);
    expect(run.service).toBe('catalog');
    expect(run.commit).toMatchObject({ sha: touching, author: testAuthor.name, subject: 'catalog: new message' });
    expect((await runs()).map((candidate) => candidate.service)).toEqual(['catalog']);

    // Built from the commit's tree, not the working directory; the SHA is on the artifact and the release.
    const answer = await fetch(`${up.routerUrl}/catalog/`);
    expect(await answer.text()).toBe('catalog second commit');
    const artifacts = await getJson<{ digest: string; sourceCommit: string | null }[]>('/api/v1/services/catalog/artifacts');
    expect(artifacts.find((artifact) => artifact.digest === run.artifact)?.sourceCommit).toBe(touching);
    const releases = await getJson<{ artifact: string | null; commit: string | null }[]>('/api/v1/environments/dev/services/catalog/releases');
    expect(releases[0]).toMatchObject({ artifact: run.artifact, commit: touching });

    // A commit touching no service, then one touching both: only the second starts runs, two of them.
    const none = repository.commit({ 'README.md': 'the shop, documented' }, 'docs only');
    const both = repository.commit({ 'catalog/message.txt': 'catalog third', 'cart/message.txt': 'cart third' }, 'both services');
    await waitFor('two runs of the commit touching both', async () => ((await runs()).filter((candidate) => candidate.commit?.sha === both).length === 2 ? true : undefined), 60_000);
    const all = await runs();
    expect(all.filter((candidate) => candidate.commit?.sha === none)).toEqual([]);
    expect(all.filter((candidate) => candidate.commit?.sha === both).map((candidate) => candidate.service).sort()).toEqual(['cart', 'catalog']);

    // The CLI lists each run with its commit.
    const status = up.cli(['pipeline', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('COMMIT');
    expect(status.stdout).toContain(testAuthor.name);
    expect(status.stdout).toContain(`${touching.slice(0, 7)} catalog: new message`);
    expect(status.stdout).toContain(`${both.slice(0, 7)} both services`);
  }, 180_000);
});
