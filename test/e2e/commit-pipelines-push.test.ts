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

const server = `import fs from 'node:fs';
import http from 'node:http';
const message = fs.readFileSync(new URL('./message.txt', import.meta.url), 'utf8').trim();
http.createServer((req, res) => res.end(req.url === '/health' ? 'ok' : message)).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

function spec(bare: string, interval: string, hook: boolean): string {
  return `name: mono
services:
  catalog:
    path: catalog
    start: [node, server.mjs]
    build: {}
    instances: 1
    readiness: { http: /health, interval: 200ms }
    stopGrace: 1s
    routes: [{ path: /catalog, stripPrefix: true }]
environments:
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

interface RunJson {
  id: number;
  state: string;
  reason: string | null;
  commit?: { sha: string };
}

interface EventJson {
  message: string;
  data: Record<string, unknown>;
}

async function start(interval: string, hook = false): Promise<{ up: Platform; repo: TestRepository; first: string }> {
  repository = createTestRepository();
  const first = repository.commit({ 'catalog/server.mjs': server, 'catalog/message.txt': 'catalog first' }, 'catalog');
  platform = await startPlatform({
    spec: spec(repository.bare, interval, hook),
    files: { 'catalog/server.mjs': server, 'catalog/message.txt': 'working copy' },
    upEnv: { SKIFF_WEBHOOK_PIPELINES: secret },
  });
  const up = platform;
  await waitFor('the trigger to watch the branch', async () => (await triggerEvents(up)).find((event) => event.message.includes('watches main')));
  return { up, repo: repository, first };
}

async function getJson<T>(up: Platform, apiPath: string): Promise<T> {
  return (await (await up.fetch(apiPath)).json()) as T;
}

function triggerEvents(up: Platform): Promise<EventJson[]> {
  return getJson(up, '/api/v1/events?type=pipeline.trigger&limit=100');
}

function runSucceeded(up: Platform, sha: string, timeoutMs = 90_000): Promise<RunJson> {
  return waitFor(`the run of ${sha.slice(0, 7)} to succeed`, async () => {
    const run = (await getJson<RunJson[]>(up, '/api/v1/pipelines/runs')).find((candidate) => candidate.commit?.sha === sha);
    if (run?.state === 'failed') throw new Error(`run ${run.id} failed: ${run.reason}`);
    return run?.state === 'succeeded' ? run : undefined;
  }, timeoutMs);
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
    const trees = path.join(up.dataDir, 'sources', 'pipelines', 'ci', 'trees');
    for (let index = 1; index <= 3; index++) {
      const sha = repo.commit({ 'catalog/message.txt': `catalog ${index}`, [`catalog/data-${index}.txt`]: 'x'.repeat(100_000) }, `catalog ${index}`);
      await runSucceeded(up, sha);
      await waitFor(`the tree of commit ${index} removed`, () => (fs.existsSync(trees) ? fs.readdirSync(trees).length === 0 : true));
    }
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
