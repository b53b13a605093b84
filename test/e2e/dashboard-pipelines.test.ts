/**
 * The dashboard's pipelines page in a real browser (Debian's Chromium through playwright-core)
 * against the real `skiff up` with a pipeline started by commits: each run shows its commit's
 * author, message and short SHA, and the commit whose run failed a check is shown red.
 * Screenshots go to test-output/screenshots/.
 */
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRepository, testAuthor } from '../../src/sources/testing/git-repository.js';
import type { TestRepository } from '../../src/sources/testing/git-repository.js';
import { commitRunDone, messageServer, messageServiceYaml, waitForWatching } from './commit-runs.js';
import { startPlatform } from './platform.js';
import type { Platform } from './platform.js';
import { openBrowser, runBrowserTests, screenshots, warnWhenSkipped } from './browser.js';
import type { BrowserSession } from './browser.js';

warnWhenSkipped('the dashboard pipelines browser test');

const uiTimeoutMs = 30_000;

/** Fails when the deployed catalog answers "broken". */
const smoke = "fetch(process.env.SKIFF_ROUTER_URL + '/catalog/').then((r) => r.text()).then((t) => process.exit(t.includes('broken') ? 1 : 0))";

function spec(bare: string): string {
  return `name: mono
services:
${messageServiceYaml('catalog')}environments:
  dev: {}
pipelines:
  ci:
    trigger:
      git: { repo: ${bare}, branch: main, paths: ['catalog/**'], interval: 1s }
    stages:
      - build
      - deploy: dev
      - check: { name: smoke, command: [node, -e, ${JSON.stringify(smoke)}], environment: dev }
`;
}

let platform: Platform | undefined;
let repository: TestRepository | undefined;
let browser: BrowserSession | undefined;
let page: Page;

/** The red channel clearly above green and blue: how a person tells "red" on the page. */
function isRed(color: string): boolean {
  const [r = 0, g = 0, b = 0] = (color.match(/\d+/g) ?? []).map(Number);
  return r > 150 && r > g + 60 && r > b + 60;
}

/** The text colour the browser computed for the element. */
function colorOf(locator: Locator): Promise<string> {
  type Styled = { getComputedStyle(element: unknown): { color: string } };
  return locator.evaluate((element) => (globalThis as unknown as Styled).getComputedStyle(element).color);
}

describe.skipIf(!runBrowserTests)('dashboard pipelines', () => {
  beforeAll(async () => {
    repository = createTestRepository();
    repository.commit({ 'catalog/server.mjs': messageServer, 'catalog/message.txt': 'catalog first' }, 'catalog');
    platform = await startPlatform({ spec: spec(repository.bare), files: { 'catalog/server.mjs': messageServer, 'catalog/message.txt': 'working copy' } });
    browser = await openBrowser(uiTimeoutMs);
    page = browser.page;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    repository?.remove();
  });

  it('shows the commit of each run started by a commit, and a commit whose run failed a check in red', async () => {
    const up = platform!;
    await waitForWatching(up);
    const good = repository!.commit({ 'catalog/message.txt': 'catalog fine' }, 'catalog: a fine change');
    const goodRun = await commitRunDone(up, good, { succeed: true });
    const bad = repository!.commit({ 'catalog/message.txt': 'catalog broken' }, 'catalog: a broken change');
    const badRun = await commitRunDone(up, bad, { succeed: false });
    expect(badRun.state).toBe('failed');

    await page.goto(`${up.apiUrl}/`);
    await page.fill('[data-testid="token"]', up.token);
    await page.click('[data-testid="sign-in"]');
    await page.locator('[data-testid="who"][data-role="admin"]').waitFor();
    await page.goto(`${up.apiUrl}/pipelines`);

    const badCommit = page.locator(`[data-run="${badRun.id}"] [data-testid="run-commit"]`);
    await badCommit.waitFor();
    const badText = (await badCommit.textContent()) ?? '';
    expect(badText).toContain(bad.slice(0, 7));
    expect(badText).toContain('catalog: a broken change');
    expect(badText).toContain(testAuthor.name);
    expect(await badCommit.getAttribute('data-check')).toBe('failed');
    expect(isRed(await colorOf(badCommit))).toBe(true);

    const goodCommit = page.locator(`[data-run="${goodRun.id}"] [data-testid="run-commit"]`);
    expect(await goodCommit.textContent()).toContain(good.slice(0, 7));
    expect(await goodCommit.textContent()).toContain('catalog: a fine change');
    expect(await goodCommit.getAttribute('data-check')).toBe('passed');
    expect(isRed(await colorOf(goodCommit))).toBe(false);
    await page.screenshot({ path: path.join(screenshots, 'pipelines-commits.png'), fullPage: true });
  }, 240_000);
});
