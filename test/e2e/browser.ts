/**
 * Debian's Chromium for the dashboard's browser tests, through playwright-core. Outside CI a
 * missing browser skips them loudly; in CI it is a failure (the launch throws), never a skip.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot, tempDir } from './platform.js';

export const chromiumPath = '/usr/bin/chromium';
export const screenshots = path.join(repoRoot, 'test-output', 'screenshots');
const haveChromium = fs.existsSync(chromiumPath);
export const runBrowserTests = haveChromium || Boolean(process.env['CI']);

/** Warns once per test file when its browser tests will be skipped. */
export function warnWhenSkipped(what: string): void {
  if (!runBrowserTests) console.warn(`\n*** SKIPPING ${what}: ${chromiumPath} is missing (apt-get install -y chromium) ***\n`);
}

/** Headless Chromium with its own profile in `userDataDir`, and its first page. */
export async function launchChromium(userDataDir: string, timeoutMs: number): Promise<{ context: BrowserContext; page: Page }> {
  if (!haveChromium) throw new Error(`${chromiumPath} is missing in CI: install the Debian package chromium`);
  fs.mkdirSync(screenshots, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1360, height: 900 },
  });
  context.setDefaultTimeout(timeoutMs);
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** `launchChromium` with a profile of its own in a temporary directory. */
export async function openBrowser(timeoutMs: number): Promise<BrowserSession> {
  const userDataDir = tempDir('skiff-chromium-');
  const { context, page } = await launchChromium(userDataDir, timeoutMs);
  return {
    context,
    page,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
