/**
 * The stock OpenFeature web SDK with @openfeature/ofrep-web-provider in Chromium: a page served
 * from another origin on 127.0.0.1 loads an esbuild bundle of test/fixtures/ofrep-web/flag-page.mjs,
 * which evaluates a flag against Skiff's OFREP endpoint across origins (CORS, a `flags` token),
 * and a change made with the CLI reaches the polling page within its poll interval.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer, repoRoot, startPlatform, waitForReady } from './platform.js';
import type { Platform } from './platform.js';
import { openBrowser, runBrowserTests, warnWhenSkipped } from './browser.js';
import type { BrowserSession } from './browser.js';

warnWhenSkipped('the OpenFeature web SDK browser test');

const uiTimeoutMs = 30_000;
const pollIntervalMs = 1_000;
/** A poll that sees the change answers within one interval; this much more for the request on a busy machine. */
const requestAllowanceMs = 1_500;

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
environments:
  dev: {}
`;

const pageHtml = `<!doctype html><html><body><p>new-price: <output id="value" data-count="0">loading</output></p><p id="error"></p><script type="module" src="/flag-page.js"></script></body></html>`;

let platform: Platform | undefined;
let browser: BrowserSession | undefined;
let site: http.Server | undefined;
let siteUrl: string;
let page: Page;

/** The test page and its bundle, from a server of their own (another origin than the API). */
async function serveSite(): Promise<string> {
  const bundle = await build({
    entryPoints: [path.join(repoRoot, 'test', 'fixtures', 'ofrep-web', 'flag-page.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  site = http.createServer((request, response) => {
    const isScript = request.url === '/flag-page.js';
    response.setHeader('content-type', isScript ? 'text/javascript' : 'text/html');
    response.end(isScript ? script : pageHtml);
  });
  await new Promise<void>((resolve) => site!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
}

describe.skipIf(!runBrowserTests)('the OpenFeature web SDK against Skiff', () => {
  beforeAll(async () => {
    platform = await startPlatform({ spec, files: { 'svc/server.mjs': fs.readFileSync(echoServer, 'utf8') } });
    siteUrl = await serveSite();
    browser = await openBrowser(uiTimeoutMs);
    page = browser.page;
    await waitForReady(platform, { web: 1 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
  });

  it('evaluates a flag across origins with a flags token, and a change reaches the polling page within its poll interval', async () => {
    const created = platform!.cli(['token', 'create', 'storefront', '--role', 'flags', '--env', 'dev']);
    expect(created.code, created.stderr).toBe(0);
    const query = new URLSearchParams({ flag: 'new-price', baseUrl: platform!.apiUrl, token: created.stdout.trim(), pollInterval: String(pollIntervalMs), targetingKey: 'user-1' });
    await page.goto(`${siteUrl}/?${query}`);
    // Ready, or the provider's error (a refused cross-origin request) said on the page.
    await page.locator('#value[data-count="1"], #error:not(:empty)').first().waitFor();
    expect(await page.locator('#error').textContent()).toBe('');
    const output = page.locator('#value');
    expect(await output.textContent()).toBe('false');

    // The first change with the CLI, then two more through the API, timed from just before each request.
    const set = platform!.cli(['flag', 'set', 'new-price', '--default-variant', 'on', '--env', 'dev']);
    expect(set.code, set.stderr).toBe(0);
    await page.locator('#value[data-count="2"]').waitFor();
    expect(await output.textContent()).toBe('true');
    const delays: number[] = [];
    for (const [variant, count] of [['off', 3], ['on', 4]] as const) {
      const sentAt = Date.now();
      const response = await platform!.fetch('/api/v1/environments/dev/flags/new-price', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ defaultVariant: variant }),
      });
      expect(response.status).toBe(200);
      await page.locator(`#value[data-count="${count}"]`).waitFor();
      const seen = await page.evaluate(() => (globalThis as unknown as { flagValues: { value: boolean; why: string; at: number }[] }).flagValues);
      expect(seen.at(-1)).toMatchObject({ value: variant === 'on', why: 'changed' });
      delays.push(seen.at(-1)!.at - sentAt);
    }
    console.log(`web SDK: a change reached the page ${delays.join(' ms, ')} ms after it was sent (poll interval ${pollIntervalMs} ms)`);
    for (const delay of delays) expect(delay).toBeLessThan(pollIntervalMs + requestAllowanceMs);
  }, 60_000);
});
