/**
 * The example shop's flags on the real `skiff up` with the real Docker engine: `web` (a process)
 * shows the new price display to about 20% of visitors, each exactly as flagd-core buckets its
 * visitor id; `reviews` (a container) evaluates its flag at the OFREP endpoint Skiff gave it, which
 * must be reachable from inside the container, and sees a `skiff flag set`.
 */
import { spawnSync } from 'node:child_process';
import { FlagdCore } from '@openfeature/flagd-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, probeEngine } from '../../src/drivers/docker/engine.js';
import { startPlatform, waitFor, waitForReady } from './platform.js';
import { removeBuiltImages, shopFiles, shopSpec } from './shop.js';
import type { Platform } from './platform.js';

const docker = (args: string[]): string => spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 }).stdout.trim();
const engine = await probeEngine(connectEngine({}), 3000);
if (!engine.reachable) {
  if (process.env.CI) throw new Error(`no Docker engine is reachable in CI: ${engine.reason}`);
  console.warn(`\n*** SKIPPING the shop flags e2e test: no Docker engine is reachable (${engine.reason}) ***\n`);
}

let platform: Platform | undefined;

describe.skipIf(!engine.reachable)('the example shop with flags', () => {
  beforeAll(async () => {
    platform = await startPlatform({ spec: shopSpec(), files: shopFiles() });
    await waitForReady(platform, { catalog: 2, orders: 1, web: 1, reviews: 1 }, 120_000);
  }, 180_000);

  afterAll(async () => {
    const artifacts = platform ? ((await (await platform.fetch('/api/v1/services/reviews/artifacts')).json()) as { digest: string }[]) : [];
    await platform?.stop();
    removeBuiltImages(artifacts.map((artifact) => artifact.digest), docker);
  }, 60_000);

  it('web shows the new price display to about 20% of visitors, each as flagd-core buckets its id', async () => {
    const declared = parse(shopSpec()) as { flags: Record<string, unknown> };
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify({ flags: declared.flags }));

    const visitors = Array.from({ length: 200 }, (_, i) => `visitor-${i}`);
    const shown: string[] = [];
    for (const visitor of visitors) {
      const response = await fetch(`${platform!.routerUrl}/`, { headers: { cookie: `shop_visitor=${visitor}` } });
      const html = await response.text();
      const display = /data-price-display="(\w+)"/.exec(html)?.[1];
      const expected = core.resolveBooleanEvaluation('new-price-display', false, { targetingKey: visitor }).value ? 'new' : 'classic';
      expect(display, visitor).toBe(expected);
      shown.push(display!);
    }
    const share = shown.filter((display) => display === 'new').length / visitors.length;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.32);
    // A first visit gets its id as a cookie, so the next page shows the same display.
    const first = await fetch(`${platform!.routerUrl}/`);
    expect(first.headers.get('set-cookie')).toMatch(/^shop_visitor=[\w-]+; Path=\//);
  }, 120_000);

  it('reviews, a container, evaluates its flag at the OFREP endpoint it was given and sees a change', async () => {
    const before = (await (await fetch(`${platform!.routerUrl}/reviews/kettle`)).json()) as Record<string, unknown>;
    expect(before).not.toHaveProperty('summary');
    const set = platform!.cli(['flag', 'set', 'review-summary', '--default-variant', 'on', '--env', 'dev']);
    expect(set.code, set.stderr).toBe(0);
    const after = await waitFor('the container to see review-summary on', async () => {
      const body = (await (await fetch(`${platform!.routerUrl}/reviews/kettle`)).json()) as Record<string, unknown>;
      return 'summary' in body ? body : null;
    });
    expect(after['summary']).toEqual({ count: 2, averageStars: 4.5 });
    // The container asked the API on the bridge gateway, as the evaluation counter shows.
    const metrics = await (await platform!.fetch('/metrics')).text();
    expect(metrics).toMatch(/skiff_flag_evaluations_total\{environment="dev",flag="review-summary",variant="on",reason="STATIC"\} [1-9]/);
  }, 60_000);
});
