/**
 * Pipelines started by commits, beyond the poll: a signed push webhook starts the runs of the
 * pushed commit at once (the trigger's interval is an hour); the commit trees checked out for
 * builds are removed once built, so the data directory does not keep a tree per commit; a
 * force-pushed branch is told as rewritten and its new tip is built, and the trigger goes on.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestRepository } from '../../src/sources/testing/git-repository.js';
import type { TestRepository } from '../../src/sources/testing/git-repository.js';
import { commitRunDone, messageServer, messageServiceYaml, triggerEvents, waitForWatching } from './commit-runs.js';
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

const secret = 'pipeline-hook-secret';

function spec(bare: string, interval: string, hook: boolean): string {
  return `name: mono
services:
${messageServiceYaml('catalog')}environments:
  dev: {}
pipelines:
  ci:
    trigger:
      git: { repo: ${bare}, branch: main, paths: ['catalog/**'], interval: ${interval}${hook ? ', webhookSecretEnv: SKIFF_WEBHOOK_PIPELINES' : ''} }
    stages:
      - build
      - deploy: dev
`;
}

async function start(interval: string, hook = false): Promise<{ up: Platform; repo: TestRepository; first: string }> {
  repository = createTestRepository();
  const first = repository.commit({ 'catalog/server.mjs': messageServer, 'catalog/message.txt': 'catalog first' }, 'catalog');
  platform = await startPlatform({
    spec: spec(repository.bare, interval, hook),
    files: { 'catalog/server.mjs': messageServer, 'catalog/message.txt': 'working copy' },
    upEnv: { SKIFF_WEBHOOK_PIPELINES: secret },
  });
  await waitForWatching(platform);
  return { up: platform, repo: repository, first };
}

function runSucceeded(up: Platform, sha: string): Promise<CommitRunJson> {
  return commitRunDone(up, sha, { succeed: true });
}

/** The bytes of the files under a folder. */
function bytesUnder(folder: string): number {
  return fs.readdirSync(folder, { withFileTypes: true }).reduce((sum, entry) => {
    const inner = path.join(folder, entry.name);
    return sum + (entry.isDirectory() ? bytesUnder(inner) : entry.isFile() ? fs.statSync(inner).size : 0);
  }, 0);
}

function deliver(up: Platform, body: string, key = secret): Promise<Response> {
  return fetch(`${up.apiUrl}/api/v1/hooks/git`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', key).update(body).digest('hex')}` },
    body,
  });
}

describe('commit-started pipelines: webhook, trees, force-push', () => {
  it('a signed push webhook starts the run of the pushed commit at once; another branch or repository starts nothing', async () => {
    const { up, repo } = await start('1h', true);
    const pushed = repo.commit({ 'catalog/message.txt': 'catalog pushed' }, 'catalog: pushed');

    const wrongKey = await deliver(up, JSON.stringify({ ref: 'refs/heads/main', after: pushed }), 'not-the-secret');
    expect(wrongKey.status).toBe(401);
    const otherBranch = await deliver(up, JSON.stringify({ ref: 'refs/heads/feature', after: pushed }));
    expect(otherBranch.status).toBe(202);
    expect(await otherBranch.json()).toMatchObject({ pipelines: [], ignoredPipelines: ['ci'] });
    const otherRepository = await deliver(up, JSON.stringify({ ref: 'refs/heads/main', after: pushed, repository: { clone_url: 'https://git.example.test/other.git' } }));
    expect(await otherRepository.json()).toMatchObject({ pipelines: [], ignoredPipelines: ['ci'] });

    const good = await deliver(up, JSON.stringify({ ref: 'refs/heads/main', after: pushed, repository: { clone_url: repo.bare } }));
    expect(good.status).toBe(202);
    expect(await good.json()).toEqual({ syncing: [], ignored: [], pipelines: ['ci'], ignoredPipelines: [] });
    await runSucceeded(up, pushed);
    expect(await (await fetch(`${up.routerUrl}/catalog/`)).text()).toBe('catalog pushed');
  }, 180_000);

  it('removes the tree of each commit once its build is done: the data directory keeps no tree per commit', async () => {
    const { up, repo } = await start('1s');
    const folder = path.join(up.dataDir, 'sources', 'pipelines', 'ci');
    const trees = path.join(folder, 'trees');
    const sizes: number[] = [];
    for (let index = 1; index <= 3; index++) {
      // 100 kB of a file in each tree; in the mirror it packs to a few hundred bytes.
      const sha = repo.commit({ 'catalog/message.txt': `catalog ${index}`, [`catalog/data-${index}.txt`]: 'x'.repeat(100_000) }, `catalog ${index}`);
      await runSucceeded(up, sha);
      await waitFor(`the tree of commit ${index} removed`, () => (fs.existsSync(trees) ? fs.readdirSync(trees).length === 0 : true));
      sizes.push(bytesUnder(folder));
    }
    console.log(`sources/pipelines/ci after commits 1, 2, 3: ${sizes.join(', ')} bytes`);
    expect((sizes[2] as number) - (sizes[0] as number)).toBeLessThan(100_000);
  }, 240_000);

  it('a force-pushed branch is told as rewritten, its new tip is built, and later commits run as before', async () => {
    const { up, repo, first } = await start('1s');
    const second = repo.commit({ 'catalog/message.txt': 'catalog second' }, 'catalog: second');
    await runSucceeded(up, second);

    repo.forcePushTo(first);
    const told = await waitFor('the rewritten branch told', async () => (await triggerEvents(up)).find((event) => event.data['rewritten'] === true));
    expect(told.message).toContain(`no longer contains ${second.slice(0, 12)}`);
    expect(told.message).toContain(first.slice(0, 12));
    await runSucceeded(up, first);
    expect(await (await fetch(`${up.routerUrl}/catalog/`)).text()).toBe('catalog first');

    const third = repo.commit({ 'catalog/message.txt': 'catalog third' }, 'catalog: third');
    await runSucceeded(up, third);
    expect(await (await fetch(`${up.routerUrl}/catalog/`)).text()).toBe('catalog third');
  }, 240_000);
});
