/**
 * The certificates page of the dashboard in a real browser (Debian's Chromium through
 * playwright-core) against the real `skiff up`: route certificates from files, one expiring in
 * 2 days (highlighted) and one for 90, and an ACME host whose validation by a real CA (Debian's
 * pebble) fails (failing, with the CA's error); renewed files show without a reload. Screenshots go to test-output/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePebbleCertificate, startPebble, type Pebble } from '../../src/edge/acme/testing/pebble.js';
import { createTestCa, type TestCertificate } from '../../src/edge/testing/test-certificates.js';
import { freePort, startPlatform, tempDir, waitForReady } from './platform.js';
import type { Platform } from './platform.js';
import { openBrowser, runBrowserTests, screenshots, warnWhenSkipped } from './browser.js';
import type { BrowserSession } from './browser.js';
import { tlsSpec } from './tls-spec.js';

warnWhenSkipped('the dashboard certificates browser test');

const uiTimeoutMs = 30_000;
let platform: Platform | undefined;
let browser: BrowserSession | undefined;
let page: Page;
let pebble: Pebble | undefined;
let renewed: TestCertificate;
const certDir = tempDir('skiff-certs-');
const hasPebble = fs.existsSync('/usr/bin/pebble') && fs.existsSync('/usr/bin/pebble-challtestsrv');

type Marked = { skiffMarker?: number };

describe.skipIf(!runBrowserTests || (!hasPebble && !process.env.CI))('dashboard certificates', () => {
  beforeAll(async () => {
    const ca = await createTestCa(certDir);
    const short = await ca.issue('short', ['a.test'], { days: 2 });
    const long = await ca.issue('long', ['b.test'], { days: 90 });
    renewed = await ca.issue('renewed', ['a.test'], { days: 60 });
    const pebbleDir = path.join(certDir, 'pebble');
    const trust = await makePebbleCertificate(pebbleDir);
    const fileRoute = '      - host: b.test\n        tls: { cert: certs/b.pem, key: certs/b.key }\n';
    const tlsPort = await freePort();
    platform = await startPlatform({
      spec: tlsSpec(tlsPort, fileRoute),
      files: { 'certs/a.pem': short.cert, 'certs/a.key': short.key, 'certs/b.pem': long.cert, 'certs/b.key': long.key },
      upEnv: { SKIFF_ACME_CA_FILE: trust },
    });
    browser = await openBrowser(uiTimeoutMs);
    page = browser.page;
    await waitForReady(platform, { echo: 2 });
    pebble = await startPebble({ dir: pebbleDir, httpPort: Number(new URL(platform.routerUrl).port) });
    // c.test points where no router listens: pebble's validation is refused.
    await pebble.pointHost('c.test', '127.0.0.9');
    const acmeRoute = `      - host: c.test\n        tls: { acme: { email: ops@example.com, directory: "${pebble.directory}" } }\n`;
    fs.writeFileSync(path.join(platform.specDir, 'skiff.yaml'), tlsSpec(tlsPort, fileRoute + acmeRoute));
    expect(platform.cli(['apply', 'skiff.yaml']).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await pebble?.stop();
    fs.rmSync(certDir, { recursive: true, force: true });
  });

  it('lists each certificate with its source, issuer, expiry and state, highlights the one expiring soon, shows the ACME error, and follows a renewal', async () => {
    await page.goto(`${platform!.apiUrl}/`);
    await page.fill('[data-testid="token"]', platform!.token);
    await page.click('[data-testid="sign-in"]');
    await page.locator('[data-testid="who"][data-role="admin"]').waitFor();
    await page.click('header nav a:has-text("Certificates")');
    await page.waitForURL('**/certificates');

    const table = page.locator('[data-testid="certificates-dev"]');
    const soon = table.locator('tr[data-host="a.test"]');
    await soon.waitFor();
    expect(await soon.getAttribute('class')).toBe('expires-soon');
    expect(await soon.getAttribute('data-state')).toBe('expiring');
    expect(await soon.locator('td').nth(1).textContent()).toBe('file');
    expect(await soon.locator('td').nth(2).textContent()).toBe('Skiff Tests, Skiff Test CA');
    expect(await soon.locator('[data-testid="certificate-expiry"]').textContent()).toMatch(/^\d{4}-\d\d-\d\d · 1 day left$/);
    expect(await soon.locator('[data-testid="certificate-obtained"]').textContent()).toMatch(/ago$/);
    const fresh = table.locator('tr[data-host="b.test"]');
    expect(await fresh.getAttribute('class')).toBeNull();
    expect(await fresh.getAttribute('data-state')).toBe('valid');
    expect(await fresh.locator('[data-testid="certificate-expiry"]').textContent()).toMatch(/· (89|90) days left$/);

    const acme = table.locator('tr[data-host="c.test"][data-state="failing"]');
    await acme.waitFor();
    expect(await acme.locator('td').nth(1).textContent()).toBe('acme');
    expect(await acme.locator('[data-testid="certificate-error"]').textContent()).toMatch(/127\.0\.0\.9.*(refused|connect)/i);
    await page.screenshot({ path: path.join(screenshots, 'certificates.png'), fullPage: true });

    // The files are renewed (key, then certificate, by rename): the page follows without a reload.
    await page.evaluate(() => ((globalThis as Marked).skiffMarker = 1));
    for (const [name, text] of [['a.key', renewed.key], ['a.pem', renewed.cert]] as const) {
      const target = path.join(platform!.specDir, 'certs', name);
      fs.writeFileSync(`${target}.new`, text);
      fs.renameSync(`${target}.new`, target);
    }
    await table.locator('tr[data-host="a.test"][data-state="valid"]').waitFor();
    expect(await soon.getAttribute('class')).toBeNull();
    expect(await soon.locator('[data-testid="certificate-expiry"]').textContent()).toMatch(/· (59|60) days left$/);
    expect(await page.evaluate(() => (globalThis as Marked).skiffMarker === 1)).toBe(true);
  }, 90_000);
});
