/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the real
 * `skiff up`: the example system listed, scaling seen live, a confirmed rollback in production,
 * an approval from the pipelines page. Screenshots go to test-output/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer, freePort, repoRoot, startPlatform, tempDir, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

const chromiumPath = '/usr/bin/chromium';
const screenshots = path.join(repoRoot, 'test-output', 'screenshots');
const haveChromium = fs.existsSync(chromiumPath);
// In CI a missing browser is a failure (the launch throws), never a silent skip.
const runBrowserTests = haveChromium || Boolean(process.env['CI']);
if (!runBrowserTests) {
  console.warn(`\n*** SKIPPING the dashboard browser tests: ${chromiumPath} is missing (apt-get install -y chromium) ***\n`);
}

const uiTimeoutMs = 20_000;

function spec(productionPort: number): string {
  return `name: shop
services:
  echo:
    path: svc
    start: [node, server.mjs]
    build: {}
    instances: 1
    readiness: { http: /health, interval: 200ms }
    stopGrace: 2s
    routes: [{ path: /echo, stripPrefix: true }]
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

let platform: Platform | undefined;
let context: BrowserContext | undefined;
let userDataDir: string | undefined;
let page: Page;

async function api<T>(method: 'GET' | 'POST', apiPath: string, body?: unknown): Promise<T> {
  const response = await fetch(`${platform!.apiUrl}${apiPath}`, {
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

describe.skipIf(!runBrowserTests)('dashboard', () => {
  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${chromiumPath} is missing in CI: install the Debian package chromium`);
    fs.mkdirSync(screenshots, { recursive: true });
    const productionPort = await freePort();
    platform = await startPlatform({ spec: spec(productionPort), files: { 'svc/server.mjs': fs.readFileSync(echoServer, 'utf8') } });
    userDataDir = tempDir('skiff-chromium-');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1360, height: 900 },
    });
    context.setDefaultTimeout(uiTimeoutMs);
    page = context.pages()[0] ?? (await context.newPage());
    await waitForReady(platform, { echo: 1 });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await platform?.stop();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  it('shows the environments, services and instances, and stays live', async () => {
    await page.goto(`${platform!.apiUrl}/`);
    const row = page.locator('[data-testid="services-dev"] tr[data-service="echo"]');
    await row.waitFor();
    expect(await row.locator('[data-testid="ready"]').textContent()).toBe('1/1');
    const instance = (await platform!.status()).instances[0]!;
    await page.locator(`tr[data-instance="${instance.id}"][data-state="ready"]`).waitFor();
    await page.locator('[data-testid="live"][data-state="live"]').waitFor();
    // Production runs nothing yet and says so.
    expect(await page.locator('#env-production').textContent()).toContain('Not running on this server');
    await shoot('overview');

    // A path of the dashboard survives a reload (index.html fallback); API paths stay JSON.
    const reload = await page.goto(`${platform!.apiUrl}/environments/dev/services/echo`);
    expect(reload?.status()).toBe(200);
    const missing = await fetch(`${platform!.apiUrl}/api/v1/nothing-here`);
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
  });

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
    expect(await page.locator(`[data-run="${run.id}"] [data-stage="go-live"]`).textContent()).toContain('approved by dashboard');
    const done = await waitFor('the run to finish', async () => {
      const current = await api<{ state: string; stages: { name: string; approvedBy: string | null }[] }>('GET', `/api/v1/pipelines/runs/${run.id}`);
      return current.state === 'succeeded' ? current : null;
    });
    expect(done.stages.find((s) => s.name === 'go-live')?.approvedBy).toBe('dashboard');
    await shoot('pipelines');
  }, 60_000);
});
