/**
 * The flags page of the dashboard in a real browser (Debian's Chromium through playwright-core)
 * against the real `skiff up`: each flag of an environment with its state, variants, default and
 * targeting; a deployer toggles it and slides a rollout, and the API then evaluates the new
 * definition (a flag revision, audited); a viewer sees the same table without a control.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/core/access-records.js';
import type { EffectiveFlag, FlagRevision } from '../../src/api/flags-port.js';
import { echoServer, startPlatform, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';
import { openBrowser, runBrowserTests, screenshots, warnWhenSkipped } from './browser.js';
import type { BrowserSession } from './browser.js';

warnWhenSkipped('the dashboard flags browser test');

const uiTimeoutMs = 30_000;

const spec = `name: shop
services:
  web:
    path: svc
    start: [node, server.mjs]
    instances: 1
    readiness: { http: /health, interval: 200ms }
    routes: [{ path: /web, stripPrefix: true }]
flags:
  new-price:
    state: ENABLED
    variants: { "on": true, "off": false }
    defaultVariant: "off"
  banner:
    state: ENABLED
    variants: { plain: "plain", loud: "loud" }
    defaultVariant: plain
    targeting: { if: [{ "==": [{ var: plan }, pro] }, loud, null] }
environments:
  dev: {}
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

const flagNow = (key: string): Promise<EffectiveFlag> => api<EffectiveFlag>(`/api/v1/environments/dev/flags/${key}`);

async function evaluate(key: string, targetingKey: string): Promise<{ value?: unknown; reason?: string }> {
  const response = await platform!.fetch(`/ofrep/v1/evaluate/flags/${key}?env=dev`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ context: { targetingKey } }),
  });
  return (await response.json()) as { value?: unknown; reason?: string };
}

function createToken(name: string, role: string): string {
  const result = platform!.cli(['token', 'create', name, '--role', role]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

async function signIn(token: string, role: string): Promise<void> {
  await page.locator('[data-testid="sign-in-form"]').waitFor();
  await page.fill('[data-testid="token"]', token);
  await page.click('[data-testid="sign-in"]');
  await page.locator(`[data-testid="who"][data-role="${role}"]`).waitFor();
}

describe.skipIf(!runBrowserTests)('dashboard flags', () => {
  beforeAll(async () => {
    platform = await startPlatform({ spec, files: { 'svc/server.mjs': fs.readFileSync(echoServer, 'utf8') } });
    browser = await openBrowser(uiTimeoutMs);
    page = browser.page;
    await waitForReady(platform, { web: 1 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('a deployer toggles a flag and rolls it out to 20%; the API evaluates the change, recorded as revisions and in the audit log', async () => {
    const deployer = createToken('dana', 'deployer');
    await page.goto(`${platform!.apiUrl}/`);
    await signIn(deployer, 'deployer');
    await page.click('header nav a:has-text("Flags")');
    await page.waitForURL('**/flags');

    const row = page.locator('[data-testid="flags-dev"] tr[data-flag="new-price"]');
    await row.waitFor();
    expect(await row.locator('[data-testid="flag-variants"]').textContent()).toBe('on = trueoff = false');
    expect(await row.locator('[data-testid="flag-default"]').textContent()).toBe('off');
    const banner = page.locator('[data-testid="flags-dev"] tr[data-flag="banner"]');
    const targeting = (await banner.locator('[data-testid="flag-targeting"] pre').textContent()) ?? '';
    expect(JSON.parse(targeting)).toEqual({ if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'loud', null] });
    expect(targeting.split('\n').length).toBeGreaterThan(5);

    // Off: every evaluation gets the caller's default.
    await row.locator('[data-testid="flag-toggle"]').click();
    await page.locator('[data-testid="flags-dev"] tr[data-flag="new-price"][data-state="DISABLED"]').waitFor();
    expect((await flagNow('new-price')).flag.state).toBe('DISABLED');
    expect(await evaluate('new-price', 'user-1')).toMatchObject({ reason: 'DISABLED' });
    await row.locator('[data-testid="flag-toggle"]').click();
    await page.locator('[data-testid="flags-dev"] tr[data-flag="new-price"][data-state="ENABLED"]').waitFor();

    // A 20% rollout: the same split `skiff flag rollout new-price 20%` makes.
    await row.locator('[data-testid="rollout-percent"]').fill('20');
    expect(await row.locator('[data-testid="rollout-shown"]').textContent()).toBe('20%');
    await row.locator('[data-testid="flag-rollout-apply"]').click();
    await waitFor('the rollout shown on the page', async () => (await row.locator('[data-testid="flag-rollout"]').textContent())?.includes('20% on'), uiTimeoutMs);
    const rolled = await flagNow('new-price');
    expect(rolled).toMatchObject({ source: 'runtime', flag: { state: 'ENABLED', targeting: { fractional: [['on', 20], ['off', 80]] } } });
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const values = await Promise.all(keys.map((key) => evaluate('new-price', key)));
    const on = values.filter((value) => value.value === true).length;
    expect(on).toBeGreaterThan(20);
    expect(on).toBeLessThan(70);
    await page.screenshot({ path: path.join(screenshots, 'flags.png'), fullPage: true });

    const revisions = await api<FlagRevision[]>('/api/v1/environments/dev/flags/new-price/revisions');
    expect(revisions.map((revision) => [revision.action, revision.actor, revision.summary])).toEqual([
      ['rollout', 'dana', 'rollout the new variant to 20%'],
      ['set', 'dana', 'state=ENABLED'],
      ['set', 'dana', 'state=DISABLED'],
    ]);
    const audit = await api<AuditEntry[]>('/api/v1/audit?who=dana');
    expect(audit.map((entry) => entry.summary)).toContain('roll out flag new-price in dev to 20%');
  }, 90_000);

  it('a viewer sees the flags read-only', async () => {
    const viewer = createToken('vera', 'viewer');
    await page.click('[data-testid="sign-out"]');
    await signIn(viewer, 'viewer');
    await page.goto(`${platform!.apiUrl}/flags`);
    const row = page.locator('[data-testid="flags-dev"] tr[data-flag="new-price"]');
    await row.waitFor();
    expect(await row.locator('[data-testid="flag-rollout"]').textContent()).toBe('20% on');
    expect(await page.locator('main [data-action]').count()).toBe(0);
    expect(await page.locator('main input').count()).toBe(0);
    await page.screenshot({ path: path.join(screenshots, 'flags-viewer.png'), fullPage: true });
  }, 60_000);
});
