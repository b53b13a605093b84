/**
 * Previews of git branches with the real `skiff up` and real bare repositories: `preview create
 * --branch` serves the branch's build (from the commit's clean tree, not the working copy) on the
 * preview's router with the commit on its releases, and a push to the branch redeploys it (the
 * branch polled); with a GitOps source and `previews: { branches: "feature/*" }`, a new matching
 * branch gets a preview and deleting the branch deletes it (both told by the push webhook), a
 * branch not matching gets none, and each of these is an event and an audit entry of the source.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { PreviewView } from '../../src/api/preview-port.js';
import { createTestRepository, testAuthor } from '../../src/sources/testing/git-repository.js';
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

/** Answers the text of message.txt beside it: which tree it was built from. */
const server = `import fs from 'node:fs';
import http from 'node:http';
const message = fs.readFileSync(new URL('./message.txt', import.meta.url), 'utf8').trim();
http.createServer((req, res) => res.end(req.url === '/health' ? 'ok' : message)).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

const appYaml = `  app:
    path: app
    start: [node, server.mjs]
    build: {}
    instances: 2
    readiness: { http: /health, interval: 200ms }
    stopGrace: 1s
    routes: [{ path: /app, stripPrefix: true }]
`;

const appFiles = (message: string): Record<string, string> => ({ 'app/server.mjs': server, 'app/message.txt': message });

async function getJson<T>(p: Platform, apiPath: string): Promise<T> {
  const response = await p.fetch(apiPath);
  if (!response.ok) throw new Error(`GET ${apiPath}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const previewsOf = (p: Platform): Promise<PreviewView[]> => getJson<PreviewView[]>(p, '/api/v1/previews');
const revisionCount = async (p: Platform): Promise<number> => (await getJson<unknown[]>(p, '/api/v1/revisions?limit=1000')).length;

/** What the router answers on /app/, or null while nothing answers there. */
async function appText(routerUrl: string): Promise<string | null> {
  try {
    const response = await fetch(`${routerUrl}/app/`);
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

const servesText = (routerUrl: string, text: string, what: string): Promise<true> =>
  waitFor(what, async () => ((await appText(routerUrl)) === text ? true : undefined), 90_000);

describe('previews of git branches', () => {
  it("create --branch serves the branch's build on the preview's router; a push to the branch redeploys it", async () => {
    repository = createTestRepository();
    repository.commit(appFiles('main'), 'the app');
    const first = repository.commit({ 'app/message.txt': 'login one' }, 'login: first', 'feature/login');
    platform = await startPlatform({
      spec: `name: mono
services:
${appYaml}environments:
  dev: {}
pipelines:
  ci:
    trigger:
      git: { repo: ${repository.bare}, branch: main, paths: ['app/**'], interval: 1s }
    stages: [build, { deploy: dev }]
`,
      files: appFiles('working copy'),
    });
    const up = platform;
    await servesText(up.routerUrl, 'working copy', 'dev to serve the working copy');

    // An unknown branch: a clear error naming the branches there are, nothing recorded.
    const before = await revisionCount(up);
    const unknown = up.cli(['preview', 'create', 'pr-x', '--from', 'dev', '--branch', 'feature/nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('SKIFF_PREVIEW_BRANCH_NOT_FOUND');
    expect(unknown.stderr).toContain('has no branch "feature/nope"');
    expect(unknown.stderr).toContain('feature/login, main');
    expect(await revisionCount(up)).toBe(before);
    expect(await previewsOf(up)).toEqual([]);

    // The branch's build, from the commit's tree, on the preview's own router, one instance.
    const created = up.cli(['preview', 'create', 'pr-login', '--from', 'dev', '--branch', 'feature/login']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`preview pr-login of dev at feature/login@${first.slice(0, 7)}: app`);
    const [preview] = await previewsOf(up);
    expect(preview).toMatchObject({ name: 'pr-login', from: 'dev', branch: 'feature/login', commit: first, automatic: false });
    await servesText(preview!.routerUrl, 'login one', "the preview to serve the branch's build");
    expect(await appText(up.routerUrl)).toBe('working copy');
    const status = await up.status('pr-login');
    expect(status.services.map((service) => [service.name, service.desired])).toEqual([['app', 1]]);
    const releases = async (): Promise<{ version: string; commit: string | null }[]> => getJson(up, '/api/v1/environments/pr-login/services/app/releases');
    expect((await releases())[0]?.commit).toBe(first);
    const listed = up.cli(['preview', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('BRANCH');
    expect(listed.stdout).toContain(`feature/login@${first.slice(0, 7)}`);

    // A push to the branch: the preview deploys its new head; dev is left alone.
    const second = repository.commit({ 'app/message.txt': 'login two' }, 'login: second', 'feature/login');
    await servesText(preview!.routerUrl, 'login two', 'the preview to deploy the new head of its branch');
    expect((await releases())[0]?.commit).toBe(second);
    expect((await previewsOf(up))[0]?.commit).toBe(second);
    expect(await appText(up.routerUrl)).toBe('working copy');
    // One redeploy, of the new head only, by the commit's author.
    const events = await getJson<{ type: string; actor: string; message: string }[]>(up, '/api/v1/events?type=preview.updated&limit=10');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: `${testAuthor.name} <${testAuthor.email}>`, message: expect.stringContaining(`feature/login ${second.slice(0, 12)} "login: second"`) });
  }, 240_000);

  it('makes a preview for each new feature/* branch of a GitOps source and deletes it with the branch; other branches get none', async () => {
    const secret = 'branch-preview-webhook-secret';
    repository = createTestRepository();
    const repoFile = `name: gitops
services:
${appYaml}environments:
  dev: {}
`;
    repository.commit({ 'skiff.yaml': repoFile, ...appFiles('main') }, 'the app');
    // A branch there before `skiff up`: its preview comes once dev has synced the services.
    repository.commit({ 'app/message.txt': 'early' }, 'early', 'feature/early');
    // A long interval: after the first look, only the webhook makes anything happen.
    platform = await startPlatform({
      spec: `name: gitops
services: {}
environments:
  dev:
    source: { git: ${repository.bare}, branch: main, path: skiff.yaml, interval: 1h, webhookSecretEnv: SKIFF_WEBHOOK_TEST }
    previews: { branches: "feature/*", ttl: 24h }
  staging: {}
`,
      upEnv: { SKIFF_WEBHOOK_TEST: secret },
    });
    const up = platform;
    await servesText(up.routerUrl, 'main', 'dev to run the main branch');
    const early = await waitFor('a preview of the branch there at start', async () => (await previewsOf(up)).find((candidate) => candidate.branch === 'feature/early'), 90_000);
    expect(early).toMatchObject({ name: 'feature-early', automatic: true });
    await servesText(early.routerUrl, 'early', 'the preview of the early branch to serve it');
    // Deleted by hand, it is not made again while its branch stays where it is.
    const deleted = up.cli(['preview', 'delete', 'feature-early']);
    expect(deleted.code, deleted.stderr).toBe(0);
    const push = async (branch: string, deleted = false): Promise<void> => {
      const body = JSON.stringify({ ref: `refs/heads/${branch}`, deleted });
      const response = await fetch(`${up.apiUrl}/api/v1/hooks/git`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
        body,
      });
      expect(response.status, await response.text()).toBe(202);
    };

    // No repository to take a branch from: a clear error naming what to set, nothing recorded.
    const before = await revisionCount(up);
    const noRepo = up.cli(['preview', 'create', 'pr-s', '--from', 'staging', '--branch', 'feature/x']);
    expect(noRepo.code).not.toBe(0);
    expect(noRepo.stderr).toContain('SKIFF_PREVIEW_NO_REPOSITORY');
    expect(noRepo.stderr).toContain('source: { git: URL }');
    expect(await revisionCount(up)).toBe(before);

    // A branch not matching, then one matching: once the second has its preview, the first was seen too, and has none.
    repository.commit({ 'app/message.txt': 'fix' }, 'a fix', 'fix/typo');
    await push('fix/typo');
    repository.commit({ 'app/message.txt': 'x one' }, 'x: first', 'feature/x');
    await push('feature/x');
    const preview = await waitFor('a preview of feature/x', async () => (await previewsOf(up)).find((candidate) => candidate.branch === 'feature/x'), 90_000);
    expect(preview).toMatchObject({ name: 'feature-x', from: 'dev', automatic: true, ttlMs: 86_400_000 });
    expect((await previewsOf(up)).map((candidate) => candidate.name)).toEqual(['feature-x']);
    await servesText(preview.routerUrl, 'x one', 'the automatic preview to serve its branch');
    // The preview follows no repository itself: only dev does.
    expect((await getJson<{ environment: string }[]>(up, '/api/v1/sources')).map((sync) => sync.environment)).toEqual(['dev']);

    // Deleting the branch deletes the preview; its router goes with it.
    repository.deleteBranch('feature/x');
    await push('feature/x', true);
    await waitFor('the preview of the deleted branch to go', async () => ((await previewsOf(up)).length === 0 ? true : undefined), 60_000);
    await waitFor("the deleted preview's router to stop", async () => ((await appText(preview.routerUrl)) === null ? true : undefined), 30_000);
    expect(await appText(up.routerUrl)).toBe('main');

    // Done by the source: in the events and in the audit log.
    const events = await getJson<{ type: string; environment: string; actor: string }[]>(up, '/api/v1/events?environment=feature-x&limit=50');
    expect(events.filter((event) => event.type.startsWith('preview.')).map((event) => [event.type, event.actor])).toEqual([
      ['preview.created', 'source:dev'],
      ['preview.deleted', 'source:dev'],
    ]);
    // Entered once the deleted preview has stopped everything it ran.
    const audit = await waitFor('the audit entry of the deletion', async () => {
      const entries = await getJson<{ actor: string; summary: string; status: number }[]>(up, '/api/v1/audit?who=source:dev&limit=10');
      return entries.length === 3 ? entries : undefined;
    }, 30_000);
    expect(audit.map((entry) => [entry.summary, entry.status])).toEqual([
      ['delete preview feature-x: branch feature/x was deleted', 200],
      ['create preview feature-x from dev for new branch feature/x', 201],
      ['create preview feature-early from dev for new branch feature/early', 201],
    ]);
  }, 240_000);
});
