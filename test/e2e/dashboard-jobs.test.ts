/**
 * The jobs view of the dashboard in a real browser (Debian's Chromium through playwright-core)
 * against the real `skiff up` with jobs on seconds schedules: each job with its schedule, timezone,
 * next run time and last run, and its runs appearing live with their output and exit code.
 * Screenshots go to test-output/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRunView, JobSummary } from '../../src/api/job-port.js';
import { echoServer, startPlatform, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';
import { openBrowser, runBrowserTests, screenshots, warnWhenSkipped } from './browser.js';
import type { BrowserSession } from './browser.js';

warnWhenSkipped('the dashboard jobs browser test');

const uiTimeoutMs = 30_000;

const spec = `name: clock
services:
  echo:
    path: svc
    start: [node, server.mjs]
    instances: 1
    readiness: { http: /health, interval: 200ms }
    routes: [{ path: /echo, stripPrefix: true }]
jobs:
  hello:
    service: echo
    command: [node, -e, "console.log('hello from run ' + process.env.SKIFF_JOB_RUN)"]
    schedule: "*/2 * * * * *"
    timezone: Europe/Berlin
  broken:
    service: echo
    command: [node, -e, "console.error('cannot reach the mail server'); process.exit(3)"]
    schedule: "*/3 * * * * *"
`;

let platform: Platform | undefined;
let browser: BrowserSession | undefined;
let page: Page;

async function api<T>(apiPath: string): Promise<T> {
  const response = await platform!.fetch(apiPath);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${apiPath}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

type Marked = { skiffMarker?: number };

describe.skipIf(!runBrowserTests)('dashboard jobs', () => {
  beforeAll(async () => {
    platform = await startPlatform({ spec, files: { 'svc/server.mjs': fs.readFileSync(echoServer, 'utf8') } });
    browser = await openBrowser(uiTimeoutMs);
    page = browser.page;
    await waitForReady(platform, { echo: 1 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('lists each job with its schedule, timezone and next run, and shows its runs live with their output', async () => {
    await page.goto(`${platform!.apiUrl}/`);
    await page.fill('[data-testid="token"]', platform!.token);
    await page.click('[data-testid="sign-in"]');
    await page.locator('[data-testid="who"][data-role="admin"]').waitFor();
    await page.click('header nav a:has-text("Jobs")');
    await page.waitForURL('**/jobs');

    const hello = page.locator('[data-testid="job-dev-hello"]');
    await hello.waitFor();
    expect(await hello.locator('[data-testid="job-schedule"]').textContent()).toContain('*/2 * * * * *');
    expect(await hello.locator('[data-testid="job-timezone"]').textContent()).toContain('Europe/Berlin');
    await page.evaluate(() => ((globalThis as Marked).skiffMarker = 1));

    // Its run appears without a reload, with the line it printed.
    const succeeded = hello.locator('[data-testid="job-runs"] tr[data-state="succeeded"]').first();
    await succeeded.waitFor();
    const runId = Number(await succeeded.getAttribute('data-run'));
    expect(await succeeded.locator('[data-testid="run-output"]').textContent()).toBe(`hello from run ${runId}`);
    expect(await page.evaluate(() => (globalThis as Marked).skiffMarker === 1)).toBe(true);
    // The newest output is shown open.
    await hello.locator('[data-testid="job-runs"] tr[data-state="succeeded"] [data-testid="run-output"]').first().waitFor({ state: 'visible' });
    // The same run as the API serves it.
    const runs = await api<JobRunView[]>('/api/v1/jobs/hello/runs?environment=dev&limit=50');
    expect(runs.find((run) => run.id === runId)).toMatchObject({ status: 'succeeded', exitCode: 0, output: `hello from run ${runId}` });

    // The last run and the next time: the schedule is every 2 s, so the next run is at most 2 s away.
    await waitFor('a last run on the job card', async () => (await hello.locator('[data-testid="job-last-run"]').textContent())?.includes('succeeded'), uiTimeoutMs);
    expect(await hello.locator('[data-testid="job-next-run"]').textContent()).toMatch(/next run(in [12]s|now)$/);
    const [summary] = await api<JobSummary[]>('/api/v1/jobs?environment=dev').then((jobs) => jobs.filter((job) => job.name === 'hello'));
    expect(Date.parse(summary!.nextRunAt!)).toBeGreaterThan(Date.now() - 2_000);

    // A failing job shows its exit code and what it wrote to stderr.
    const broken = page.locator('[data-testid="job-dev-broken"]');
    const failed = broken.locator('[data-testid="job-runs"] tr[data-state="failed"]').first();
    await failed.waitFor();
    expect(await failed.locator('[data-testid="run-result"]').textContent()).toContain('exit 3');
    expect(await failed.locator('[data-testid="run-output"]').textContent()).toBe('cannot reach the mail server');
    await waitFor('broken shown as failed', async () => (await broken.getAttribute('data-state')) === 'failed' || (await broken.getAttribute('data-state')) === 'running', uiTimeoutMs);

    // History grows while the page stays open.
    await waitFor('three runs of hello listed', async () => (await hello.locator('[data-testid="job-runs"] tr[data-run]').count()) >= 3, uiTimeoutMs);
    expect(await page.evaluate(() => (globalThis as Marked).skiffMarker === 1)).toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'jobs.png'), fullPage: true });
  }, 90_000);
});
