/**
 * GitOps: `skiff up` with an environment that follows a bare repository. Commits become revisions
 * (author, message, SHA), an invalid commit is refused with file:line:column and its SHA while
 * nothing is applied, a scale by hand is reported as drift and, with `drift: revert`, healed; a
 * push webhook syncs at once with a good signature and is refused (401, audited) with a bad one.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestRepository, testAuthor } from '../../src/sources/testing/git-repository.js';
import type { TestRepository } from '../../src/sources/testing/git-repository.js';
import { echoServer, startPlatform, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
let repository: TestRepository | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  repository?.remove();
  repository = undefined;
});

const secret = 'webhook-secret-for-tests';

function sourceYaml(bare: string, options: { drift?: string; interval?: string } = {}): string {
  return `    source:
      git: ${bare}
      branch: main
      path: deploy/skiff.yaml
      interval: ${options.interval ?? '1s'}
      drift: ${options.drift ?? 'report'}
      webhookSecretEnv: SKIFF_WEBHOOK_TEST
`;
}

/** The file in the repository: the echo service, run from the commit's tree. */
function repoSpec(options: { instances: number | string; greeting?: string; source?: string }): string {
  return `name: test
services:
  echo:
    path: .
    start: [node, ${JSON.stringify(echoServer)}]
    instances: ${options.instances}
    env:
      GREETING: ${options.greeting ?? 'hello'}
    readiness:
      http: /health
      interval: 200ms
    stopGrace: 1s
    routes:
      - path: /echo
        stripPrefix: true
environments:
  dev:
${options.source ?? '    provider: local\n'}`;
}

interface RevisionJson {
  id: number;
  author: string;
  message: string;
  commit: string | null;
}

interface SyncJson {
  state: string;
  synced: { commit: string; revision: number } | null;
  error: { code: string; commit: string | null; details: { position?: { file: string; line: number; column: number } }[] } | null;
  changes: { service: string; field: string; applied: unknown; commit: unknown }[];
}

describe('gitops', () => {
  it('follows a repository: commits become revisions, an invalid one is refused, drift is reported then reverted, webhooks sync', async () => {
    repository = createTestRepository();
    const first = repository.commit({ 'deploy/skiff.yaml': repoSpec({ instances: 1 }) }, 'echo with one instance');
    platform = await startPlatform({
      spec: `name: test\nservices: {}\nenvironments:\n  dev:\n${sourceYaml(repository.bare)}`,
      upEnv: { SKIFF_WEBHOOK_TEST: secret },
    });
    const revisions = async (): Promise<RevisionJson[]> => (await (await platform!.fetch('/api/v1/revisions?limit=50')).json()) as RevisionJson[];
    const sync = async (): Promise<SyncJson> => (await (await platform!.fetch('/api/v1/environments/dev/sync')).json()) as SyncJson;
    const revisionOf = (commit: string) => waitFor(`a revision of ${commit}`, async () => (await revisions()).find((revision) => revision.commit === commit));

    // The first commit: a revision with the commit's author, message and SHA; the service runs.
    const firstRevision = await revisionOf(first);
    expect(firstRevision.author).toBe(`${testAuthor.name} <${testAuthor.email}>`);
    expect(firstRevision.message).toContain('echo with one instance');
    await waitForReady(platform, { echo: 1 });

    // A new commit: a new revision within the interval.
    const second = repository.commit({ 'deploy/skiff.yaml': repoSpec({ instances: 2 }) }, 'two instances');
    await revisionOf(second);
    await waitForReady(platform, { echo: 2 });
    const history = platform.cli(['history']);
    expect(history.stdout).toContain(second.slice(0, 12));
    expect(history.stdout).toContain('two instances');

    // An invalid commit: refused with file:line:column and its SHA; nothing is applied.
    const before = (await revisions()).length;
    const invalid = repository.commit({ 'deploy/skiff.yaml': repoSpec({ instances: 'lots' }) }, 'a typo');
    const refused = await waitFor('the invalid commit refused', async () => {
      const status = await sync();
      return status.state === 'Refused' && status.error?.commit === invalid ? status : undefined;
    });
    expect(refused.error?.code).toBe('SKIFF_SOURCE_SPEC_INVALID');
    expect(refused.error?.details[0]?.position).toMatchObject({ file: 'deploy/skiff.yaml', line: 6 });
    expect(refused.synced?.commit).toBe(second);
    const shown = platform.cli(['sync', 'status', 'dev']);
    expect(shown.stdout).toMatch(/deploy\/skiff\.yaml:6:\d+/);
    expect(shown.stdout).toContain(invalid.slice(0, 12));
    expect(platform.cli(['status']).stdout).toContain('git sync: Refused');
    expect((await revisions()).length).toBe(before);
    expect((await platform.status()).services[0]?.desired).toBe(2);

    // Fixed: synced again. Then a scale by hand is drift, reported (policy `report`).
    const fixed = repository.commit({ 'deploy/skiff.yaml': repoSpec({ instances: 2, greeting: 'fixed' }) }, 'fix the typo');
    await revisionOf(fixed);
    expect(platform.cli(['scale', 'echo=3']).code).toBe(0);
    const drifted = await waitFor('drift reported', async () => {
      const status = await sync();
      return status.state === 'OutOfSync' ? status : undefined;
    });
    expect(drifted.changes).toContainEqual({ service: 'echo', change: 'update', field: 'instances', applied: 3, commit: 2 });
    const diff = platform.cli(['diff', 'dev']);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/echo\s+instances\s+3\s+2/);
    const events = (await (await platform.fetch('/api/v1/events?type=source.drift')).json()) as { message: string }[];
    expect(events.some((event) => event.message.includes('echo.instances'))).toBe(true);

    // The repository turns on `drift: revert`: the hand-made scale is undone within an interval.
    const revert = repository.commit({ 'deploy/skiff.yaml': repoSpec({ instances: 2, greeting: 'fixed', source: sourceYaml(repository.bare, { drift: 'revert' }) }) }, 'self-heal');
    await revisionOf(revert);
    await waitFor('healed back to the commit', async () => (await sync()).state === 'Synced' && (await platform!.status()).services[0]?.desired === 2);
    expect(platform.cli(['scale', 'echo=4']).code).toBe(0);
    await waitFor('reverted again', async () => {
      const status = await sync();
      return status.state === 'Synced' && (await platform!.status()).services[0]?.desired === 2;
    });

    // Webhooks: with a long interval, only the webhook makes a new commit a revision at once.
    const slow = repository.commit(
      { 'deploy/skiff.yaml': repoSpec({ instances: 2, greeting: 'slow', source: sourceYaml(repository.bare, { drift: 'revert', interval: '1h' }) }) },
      'fetch hourly',
    );
    await revisionOf(slow);
    const pushed = repository.commit(
      { 'deploy/skiff.yaml': repoSpec({ instances: 1, greeting: 'hooked', source: sourceYaml(repository.bare, { drift: 'revert', interval: '1h' }) }) },
      'pushed with a webhook',
    );
    const body = JSON.stringify({ ref: 'refs/heads/main', after: pushed });
    const deliver = (signature: string) =>
      fetch(`${platform!.apiUrl}/api/v1/hooks/git`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature },
        body,
      });
    const bad = await deliver(`sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}`);
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { code: string }).code).toBe('SKIFF_WEBHOOK_SIGNATURE_INVALID');
    const audit = (await (await platform.fetch('/api/v1/audit?limit=20')).json()) as { route: string; status: number }[];
    expect(audit.some((entry) => entry.route === '/api/v1/hooks/git' && entry.status === 401)).toBe(true);
    expect((await revisions()).some((revision) => revision.commit === pushed)).toBe(false);
    const good = await deliver(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    expect(good.status).toBe(202);
    expect(await good.json()).toEqual({ syncing: ['dev'], ignored: [], pipelines: [], ignoredPipelines: [] });
    await revisionOf(pushed);
    await waitForReady(platform, { echo: 1 });
    const releases = (await (await platform.fetch('/api/v1/environments/dev/services/echo/releases')).json()) as { commit: string | null; current: boolean }[];
    expect(releases.find((release) => release.current)?.commit).toBe(pushed);

    // A restart of `skiff up` with its own file unchanged keeps the synced state (the file has no services).
    const beforeRestart = (await revisions()).length;
    await platform.kill();
    await platform.restart();
    await waitFor('synced after the restart', async () => (await sync()).state === 'Synced');
    expect((await revisions()).length).toBe(beforeRestart);
    expect((await revisions())[0]?.commit).toBe(pushed);
    expect((await platform.status()).services.map((service) => [service.name, service.desired])).toEqual([['echo', 1]]);

    // A flood of deliveries: refused with 429 once the client's burst is spent, and recorded.
    let limited: Response | undefined;
    for (let sent = 0; sent < 100 && !limited; sent++) {
      const response = await deliver('sha256=0');
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(401);
    }
    expect(limited, 'no 429 in 100 deliveries').toBeDefined();
    expect(((await limited!.json()) as { code: string }).code).toBe('SKIFF_WEBHOOK_RATE_LIMITED');
    const recorded = (await (await platform.fetch('/api/v1/audit?limit=50')).json()) as { route: string; status: number; count: number }[];
    expect(recorded.some((entry) => entry.route === '/api/v1/hooks/git' && entry.status === 429 && entry.count >= 1)).toBe(true);
  }, 240_000);
});
