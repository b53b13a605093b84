/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the real
 * `skiff up` with access control: signing in with the local admin's token (and refusing a wrong
 * one), the example system listed, scaling seen live, a confirmed rollback in production, a canary
 * paused at a step and resumed, an approval, the audit log, and what a viewer and a deployer of
 * one environment are offered. Screenshots go to test-output/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer, freePort, startPlatform, tempDir, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';
import { launchChromium, runBrowserTests, screenshots, warnWhenSkipped } from './browser.js';

warnWhenSkipped('the dashboard browser tests');

const uiTimeoutMs = 20_000;

/** What both services of the spec share: built from svc/, one instance, quick to be ready. */
const serviceBase = `
    path: svc
    start: [node, server.mjs]
    build: {}
    instances: 1
    readiness: { http: /health, interval: 200ms }
    stopGrace: 2s`;

function spec(productionPort: number): string {
  return `name: shop
services:
  echo:${serviceBase}
    routes: [{ path: /echo, stripPrefix: true }]
  web:${serviceBase}
    strategy:
      type: canary
      steps:
        - weight: 50
        - analysis: quick
        - pause: {}
    routes: [{ path: /web, stripPrefix: true }]
analyses:
  quick:
    window: 2s
    minRequests: 10
    checks:
      - { metric: errorRate, max: 50% }
      - { metric: p99, max: 5s }
environments:
  dev: {}
  production:
    routerPort: ${productionPort}
pipelines:
  release:
    services: [echo]
    stages:
      - build
      - approval: { name: go-live }
      - deploy: dev
`;
}

interface ReleaseJson {
  version: string;
  artifact: string | null;
  reason: string;
  current: boolean;
}

interface RolloutJson {
  phase: string;
  active: boolean;
  result: string | null;
  stable: { release: string };
  next: { release: string };
  actions: { action: string; author: string }[];
}

let platform: Platform | undefined;
let context: BrowserContext | undefined;
let userDataDir: string | undefined;
let page: Page;
/** The local admin's token name (the user running the test). */
let adminName: string;

/** A call to the API as the local admin. */
async function api<T>(method: 'GET' | 'POST', apiPath: string, body?: unknown): Promise<T> {
  const response = await platform!.fetch(apiPath, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${apiPath}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

/** Proves a change appeared without a page load: the marker set before is still there. */
type Marked = { skiffMarker?: number };
async function markPage(): Promise<void> {
  await page.evaluate(() => ((globalThis as Marked).skiffMarker = 1));
}
async function pageWasNotReloaded(): Promise<boolean> {
  return page.evaluate(() => (globalThis as Marked).skiffMarker === 1);
}

/** Makes a token with the CLI, as an admin would; it prints the token alone on stdout. */
function createToken(name: string, role: string, environments: readonly string[] = []): string {
  const result = platform!.cli(['token', 'create', name, '--role', role, ...environments.flatMap((env) => ['--env', env])]);
  expect(result.code, result.stderr).toBe(0);
  const token = result.stdout.trim();
  expect(token).toMatch(/^skiff_\S+$/);
  return token;
}

async function signIn(token: string): Promise<void> {
  const form = page.locator('[data-testid="sign-in-form"]');
  await form.waitFor();
  await page.fill('[data-testid="token"]', token);
  await page.click('[data-testid="sign-in"]');
}

async function signOutAndIn(token: string, role: string): Promise<void> {
  await page.click('[data-testid="sign-out"]');
  await signIn(token);
  await page.locator(`[data-testid="who"][data-role="${role}"]`).waitFor();
}

/** Actions offered on the page: every action button carries `data-action`, every form of controls `actions`. */
async function offeredActions(): Promise<number> {
  return (await page.locator('main [data-action]').count()) + (await page.locator('main [data-testid="actions"]').count());
}

/** The service page with its instances, releases and rollout (if any) loaded: what it offers is then final. */
async function openServicePage(environment: string, service: string): Promise<void> {
  await page.goto(`${platform!.apiUrl}/environments/${environment}/services/${service}`);
  await page.locator('[data-testid="releases"] tr.current').waitFor();
  await page.locator('[data-testid="instances"] tr').first().waitFor();
}

describe.skipIf(!runBrowserTests)('dashboard', () => {
  beforeAll(async () => {
    const productionPort = await freePort();
    platform = await startPlatform({ spec: spec(productionPort), files: { 'svc/server.mjs': fs.readFileSync(echoServer, 'utf8') } });
    userDataDir = tempDir('skiff-chromium-');
    ({ context, page } = await launchChromium(userDataDir, uiTimeoutMs));
    await waitForReady(platform, { echo: 1, web: 1 });
    adminName = (await api<{ name: string; role: string }>('GET', '/api/v1/session')).name;
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await platform?.stop();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  it('asks for a token, refuses a wrong one, and signs in with the local admin token from the data directory', async () => {
    await page.goto(`${platform!.apiUrl}/environments/dev/services/echo`);
    await page.locator('[data-testid="sign-in-form"]').waitFor();
    expect(await page.locator('[data-testid="sign-in-form"]').textContent()).toContain('<data dir>/token');
    expect(await page.locator('[data-testid="instances"]').count()).toBe(0);
    await shoot('sign-in');

    await signIn('skiff_nosuch_0123456789abcdef');
    const problem = page.locator('[data-testid="sign-in-error"]');
    await problem.waitFor();
    expect((await problem.textContent())?.toLowerCase()).toContain('token');
    expect(await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem('skiff.token'))).toBeNull();
    await shoot('sign-in-error');

    await signIn(platform!.token);
    const who = page.locator('[data-testid="who"]');
    await who.waitFor();
    expect(await who.getAttribute('data-role')).toBe('admin');
    expect(await who.textContent()).toContain(adminName);
    // The page asked for before signing in is the one shown after.
    await page.locator('[data-testid="instances"] tr[data-state="ready"]').first().waitFor();

    // The token is kept: a reload stays signed in.
    await page.reload();
    await page.locator('[data-testid="who"][data-role="admin"]').waitFor();
    expect(await page.locator('[data-testid="sign-in-form"]').count()).toBe(0);
  });

  it('shows the environments, services and instances, and stays live', async () => {
    await page.goto(`${platform!.apiUrl}/`);
    const row = page.locator('[data-testid="services-dev"] tr[data-service="echo"]');
    await row.waitFor();
    expect(await row.locator('[data-testid="ready"]').textContent()).toBe('1/1');
    const instance = (await platform!.status()).instances.find((i) => i.service === 'echo')!;
    await page.locator(`tr[data-instance="${instance.id}"][data-state="ready"]`).waitFor();
    await page.locator('[data-testid="live"][data-state="live"]').waitFor();
    // Production runs nothing yet and says so.
    expect(await page.locator('#env-production').textContent()).toContain('Not running on this server');
    await shoot('overview');

    // A path of the dashboard survives a reload (index.html fallback); API paths stay JSON.
    const reload = await page.goto(`${platform!.apiUrl}/environments/dev/services/echo`);
    expect(reload?.status()).toBe(200);
    const missing = await platform!.fetch('/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('SKIFF_NOT_FOUND');
  });

  it('scales a service and shows the new instances without a reload', async () => {
    await page.goto(`${platform!.apiUrl}/`);
    await page.click('[data-testid="services-dev"] a:has-text("echo")');
    await page.waitForURL('**/environments/dev/services/echo');
    await page.locator('[data-testid="instances"] tr[data-state="ready"]').first().waitFor();
    await markPage();
    await page.fill('[data-testid="scale-count"]', '3');
    await page.click('[data-testid="scale"]');
    const readyRows = page.locator('[data-testid="instances"] tr[data-state="ready"]');
    await waitFor('3 ready instances on the page', async () => (await readyRows.count()) === 3, uiTimeoutMs);
    expect(await pageWasNotReloaded()).toBe(true);
    expect(await page.locator('[data-testid="service-facts"]').textContent()).toContain('3/3');
    const status = await platform!.status();
    expect(status.instances.filter((i) => i.service === 'echo' && i.state === 'ready')).toHaveLength(3);
    const scaled = await api<{ author: string }[]>('GET', '/api/v1/revisions?limit=1');
    expect(scaled[0]?.author).toBe(adminName);

    // Traffic for the charts, bounded: 40 requests.
    for (let i = 0; i < 40; i += 1) await (await fetch(`${platform!.routerUrl}/echo/`)).text();
    await page.locator('[data-testid="events"] li').first().waitFor();
    await page.locator('[data-testid="logs"] .log-line').first().waitFor();
    await shoot('service');
  });

  it('rolls back a release and deploys an artifact in production, each after confirmation', async () => {
    // Two artifacts deployed to production through the API: v1, then v2.
    const first = await api<{ digest: string }>('POST', '/api/v1/services/echo/build', {});
    fs.writeFileSync(path.join(platform!.specDir, 'svc', 'VERSION'), 'two\n');
    const second = await api<{ digest: string }>('POST', '/api/v1/services/echo/build', {});
    expect(second.digest).not.toBe(first.digest);
    const deployPath = '/api/v1/environments/production/services/echo/deploy';
    await api('POST', deployPath, { version: first.digest });
    await api('POST', deployPath, { version: second.digest });

    await page.goto(`${platform!.apiUrl}/environments/production/services/echo`);
    await page.locator('[data-testid="releases"] tr[data-release="v2"].current').waitFor();
    await markPage();

    // Cancelling changes nothing.
    await page.click('[data-testid="rollback-v1"]');
    const dialog = page.locator('dialog.confirm');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Roll echo in production back to v1');
    await shoot('confirm-rollback');
    await dialog.locator('button:has-text("Cancel")').click();
    await dialog.waitFor({ state: 'detached' });
    expect((await api<ReleaseJson[]>('GET', '/api/v1/environments/production/services/echo/releases')).map((r) => r.version)).toEqual(['v2', 'v1']);

    await page.click('[data-testid="rollback-v1"]');
    await dialog.locator('button:has-text("Yes, change production")').click();
    await page.locator('[data-testid="releases"] tr[data-release="v3"].current').waitFor();
    expect(await page.locator('[data-testid="releases"] tr[data-release="v3"]').textContent()).toContain('rollback');
    expect(await pageWasNotReloaded()).toBe(true);
    const releases = await api<ReleaseJson[]>('GET', '/api/v1/environments/production/services/echo/releases');
    expect(releases[0]).toMatchObject({ version: 'v3', reason: 'rollback', current: true, artifact: first.digest });
    await shoot('service-production');

    // Deploying an artifact from the page asks too, then runs it.
    await page.selectOption('[data-testid="deploy-artifact"]', second.digest);
    await page.click('[data-testid="deploy"]');
    await dialog.locator('button:has-text("Yes, change production")').click();
    await page.locator('[data-testid="releases"] tr[data-release="v4"].current').waitFor();
    const afterDeploy = await api<ReleaseJson[]>('GET', '/api/v1/environments/production/services/echo/releases');
    expect(afterDeploy[0]).toMatchObject({ version: 'v4', reason: 'deploy', current: true, artifact: second.digest });
    expect(await pageWasNotReloaded()).toBe(true);
  }, 60_000);

  it('shows a canary paused at a step, with its steps, weights and analysis figures, and resumes it', async () => {
    const artifact = await api<{ digest: string }>('POST', '/api/v1/services/web/build', {});
    // The deploy may answer only once the rollout is done: it is not awaited before the resume.
    const deploying = api('POST', '/api/v1/environments/dev/services/web/deploy', { version: artifact.digest }).catch((error: unknown) => error);

    // Traffic for the analysis step, bounded: until the canary pauses after it, at most 20,000 requests or 40 s.
    // The count must outlast the 2 s analysis window on a quiet machine (1000 requests took 1 s).
    const deadline = Date.now() + 40_000;
    let sent = 0;
    let rollout: RolloutJson | undefined;
    while (Date.now() < deadline && sent < 20_000) {
      rollout = await api<RolloutJson>('GET', '/api/v1/environments/dev/services/web/rollout').catch(() => undefined);
      if (rollout?.active && rollout.phase === 'paused' && rollout.next.release === 'v2') break;
      for (let i = 0; i < 10; i += 1, sent += 1) await (await fetch(`${platform!.routerUrl}/web/`)).text();
    }
    expect(rollout).toMatchObject({ active: true, phase: 'paused', stable: { release: 'v1' }, next: { release: 'v2' } });

    // The overview's last deployment is the rollout: strategy, releases, phase, and what it waits for.
    await page.goto(`${platform!.apiUrl}/`);
    const lastRollout = page.locator('[data-testid="services-dev"] tr[data-service="web"] [data-testid="last-rollout"]');
    await page.locator('[data-testid="services-dev"] tr[data-service="web"] [data-testid="last-rollout"][data-phase="paused"]').waitFor();
    expect(await lastRollout.textContent()).toMatch(/canary v1 → v2\s*paused step 3\/4, 50% on v2 · waits for resume/);
    await shoot('overview-rollout');

    await page.goto(`${platform!.apiUrl}/environments/dev/services/web`);
    const panel = page.locator('[data-testid="rollout"][data-phase="paused"][data-active="true"]');
    await panel.waitFor();
    await markPage();
    const current = panel.locator('[data-testid="rollout-steps"] li[aria-current="step"]');
    expect(await current.count()).toBe(1);
    expect(await current.textContent()).toContain('pause until resumed');
    expect(await panel.locator('[data-testid="rollout-steps"] li[data-state="done"]').allTextContents()).toEqual([
      expect.stringContaining('weight 50%'),
      expect.stringContaining('analysis quick'),
    ]);
    expect(await panel.locator('[data-testid="weights"] [data-release="v2"]').getAttribute('data-weight')).toBe('50');
    expect(await panel.locator('[data-testid="weights"] [data-release="v1"]').getAttribute('data-weight')).toBe('50');

    // The analysis that let the canary on: per release its figures, each check and the verdict.
    const analysis = panel.locator('[data-testid="analyses"] details[open]');
    expect(await analysis.getAttribute('data-outcome')).toBe('pass');
    const canaryRow = analysis.locator('[data-testid="analysis-figures"] tbody tr', { hasText: 'v2 (new)' });
    const canaryRequests = Number(await canaryRow.locator('td').nth(1).textContent());
    expect(canaryRequests).toBeGreaterThanOrEqual(10);
    expect(await canaryRow.locator('td').nth(6).textContent()).toMatch(/ms$/);
    expect(await analysis.locator('[data-testid="analysis-figures"] tbody tr', { hasText: 'v1 (stable)' }).count()).toBe(1);
    const checks = analysis.locator('[data-testid="analysis-checks"] tbody tr');
    expect(await checks.evaluateAll((rows) => rows.map((row) => [row.querySelector('td')?.textContent, row.getAttribute('data-outcome')]))).toEqual([
      ['errorRate', 'pass'],
      ['p99', 'pass'],
    ]);
    expect(await panel.locator('[data-testid="rollout-resume"]').count()).toBe(1);
    expect(await panel.locator('[data-testid="rollout-pause"]').count()).toBe(0);
    await shoot('rollout');

    await panel.locator('[data-testid="rollout-resume"]').click();
    await page.locator('[data-testid="rollout"][data-phase="completed"]').waitFor({ timeout: 40_000 });
    expect(await pageWasNotReloaded()).toBe(true);
    expect(await page.locator('[data-testid="rollout-actions"]').count()).toBe(0);
    const done = await waitFor('the rollout to finish', async () => {
      const view = await api<RolloutJson>('GET', '/api/v1/environments/dev/services/web/rollout');
      return view.active ? null : view;
    });
    expect(done).toMatchObject({ result: 'completed', stable: { release: 'v1' }, next: { release: 'v2' } });
    expect(done.actions).toEqual([expect.objectContaining({ action: 'resume', author: adminName })]);
    await page.locator('[data-testid="service-facts"]:has-text("v2")').waitFor();
    expect(await deploying).not.toBeInstanceOf(Error);
    await page.click('nav a:has-text("Overview")');
    await page.locator('[data-testid="services-dev"] tr[data-service="web"] [data-testid="last-rollout"][data-phase="completed"][data-release="v2"]').waitFor();
  }, 90_000);

  it('approves a pipeline stage that waits for an approval', async () => {
    await page.goto(`${platform!.apiUrl}/pipelines`);
    await page.locator('text=No pipeline runs yet').waitFor();
    await markPage();
    const run = await api<{ id: number }>('POST', '/api/v1/pipelines/runs', { service: 'echo', pipeline: 'release' });
    const approve = page.locator(`[data-testid="approve-${run.id}-go-live"]`);
    await approve.waitFor();
    await shoot('pipelines-waiting');
    await approve.click();
    await page.locator(`[data-run="${run.id}"][data-state="succeeded"]`).waitFor({ timeout: 40_000 });
    expect(await pageWasNotReloaded()).toBe(true);
    expect(await page.locator(`[data-run="${run.id}"] [data-stage="go-live"]`).textContent()).toContain(`approved by ${adminName}`);
    const done = await waitFor('the run to finish', async () => {
      const current = await api<{ state: string; stages: { name: string; approvedBy: string | null }[] }>('GET', `/api/v1/pipelines/runs/${run.id}`);
      return current.state === 'succeeded' ? current : null;
    });
    expect(done.stages.find((s) => s.name === 'go-live')?.approvedBy).toBe(adminName);
    await shoot('pipelines');
  }, 60_000);

  it('lists the audit log newest first, live: changes and refused requests, who and from where', async () => {
    await page.click('nav a:has-text("Audit")');
    await page.waitForURL('**/audit');
    const rows = page.locator('[data-testid="audit"] tbody tr');
    await rows.first().waitFor();
    await markPage();
    // The wrong token of the sign-in is there, refused and without a name.
    expect(await page.locator('[data-testid="audit"] tr[data-outcome="refused"][data-actor=""]').count()).toBeGreaterThan(0);
    const text = await page.locator('[data-testid="audit"]').textContent();
    expect(text).toContain('rollout resume web in dev');
    expect(text).toContain('127.0.0.1');

    // A change made elsewhere appears on top without a reload.
    await api('POST', '/api/v1/environments/dev/services/echo/scale', { instances: 1 });
    await waitFor('the scale on top of the audit log', async () => ((await rows.first().textContent()) ?? '').includes('scale'), uiTimeoutMs);
    expect(await rows.first().getAttribute('data-actor')).toBe(adminName);
    expect(await pageWasNotReloaded()).toBe(true);
    const ids = await rows.evaluateAll((elements) => elements.map((element) => Number(element.getAttribute('data-audit'))));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    await shoot('audit');
  });

  it('offers a viewer no action anywhere, and a deployer of one environment actions only there', async () => {
    const viewer = createToken('vera', 'viewer');
    const deployer = createToken('dora', 'deployer', ['dev']);
    // A run waiting for its approval, which lets it deploy to dev.
    const run = await api<{ id: number }>('POST', '/api/v1/pipelines/runs', { service: 'echo', pipeline: 'release' });
    await waitFor('the run to wait for its approval', async () => {
      const current = await api<{ stages: { name: string; state: string }[] }>('GET', `/api/v1/pipelines/runs/${run.id}`);
      return current.stages.find((s) => s.name === 'go-live')?.state === 'waiting';
    }, 40_000);

    // The admin is offered the actions these pages have, so their absence below means something.
    await openServicePage('production', 'echo');
    expect(await page.locator('main [data-testid^="rollback-"]').count()).toBeGreaterThan(0);
    expect(await offeredActions()).toBeGreaterThan(0);

    await signOutAndIn(viewer, 'viewer');
    await page.goto(`${platform!.apiUrl}/`);
    await page.locator('[data-testid="services-dev"] tr[data-service="echo"]').waitFor();
    expect(await offeredActions()).toBe(0);
    await openServicePage('dev', 'echo');
    expect(await offeredActions()).toBe(0);
    await openServicePage('production', 'echo');
    expect(await offeredActions()).toBe(0);
    await openServicePage('dev', 'web');
    await page.locator('[data-testid="rollout"]').waitFor();
    expect(await offeredActions()).toBe(0);
    // The charts draw each release that had traffic: the canary beside the stable release.
    await page.locator('[data-testid="charts"][data-releases="v1,v2"]').waitFor({ timeout: 40_000 });
    // And its instances over the hour, ready against desired.
    const instancesChart = page.locator('[data-testid="instances-chart"]');
    await instancesChart.waitFor({ timeout: 40_000 });
    expect(Number(await instancesChart.getAttribute('data-ready'))).toBeGreaterThan(0);
    await shoot('service-viewer');
    await page.goto(`${platform!.apiUrl}/pipelines`);
    const waiting = page.locator(`[data-run="${run.id}"] [data-stage="go-live"][data-state="waiting"]`);
    await waiting.waitFor();
    expect(await waiting.locator('[data-testid="approval-needs"]').textContent()).toContain('dev');
    expect(await offeredActions()).toBe(0);
    await shoot('pipelines-viewer');

    await signOutAndIn(deployer, 'deployer');
    expect(await page.locator('[data-testid="who"]').textContent()).toContain('dev');
    await openServicePage('dev', 'echo');
    await page.locator('[data-testid="scale"]').waitFor();
    expect(await page.locator('[data-testid="promote"]').count()).toBe(0);
    // In production it may change nothing; it may only promote production's artifact into dev.
    await openServicePage('production', 'echo');
    await page.locator('[data-testid="promote"]').waitFor();
    expect(await page.locator('[data-testid="promote-to"] option').allTextContents()).toEqual(['dev']);
    for (const action of ['scale', 'deploy', 'rollback-v1']) expect(await page.locator(`[data-testid="${action}"]`).count()).toBe(0);
    expect(await page.locator('main [data-action]').count()).toBe(1);
    // The approval lets the run deploy to dev only: the deployer of dev may give it.
    await page.goto(`${platform!.apiUrl}/pipelines`);
    await page.click(`[data-testid="approve-${run.id}-go-live"]`);
    await page.locator(`[data-run="${run.id}"][data-state="succeeded"]`).waitFor({ timeout: 40_000 });
    expect(await page.locator(`[data-run="${run.id}"] [data-stage="go-live"]`).textContent()).toContain('approved by dora');

    // A revoked token signs the person out at the next request, saying why.
    expect(platform!.cli(['token', 'revoke', 'dora']).code).toBe(0);
    await page.click('nav a:has-text("Overview")');
    await page.locator('[data-testid="sign-in-error"]').waitFor();
    expect(await page.locator('[data-testid="sign-in-error"]').textContent()).toContain('Signed out');
    expect(await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem('skiff.token'))).toBeNull();
  }, 90_000);
});
