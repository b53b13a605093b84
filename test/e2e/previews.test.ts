/**
 * Preview environments end to end, with the CLI against the real `skiff up` of the example shop
 * (its `reviews` a container on the real Docker engine): a preview of dev runs one instance of
 * each service on its own router with dev's releases, bad requests are refused without a new
 * revision, `delete` stops every instance it ran, and a ttl deletes it with an event.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewView } from '../../src/api/preview-port.js';
import { connectEngine, probeEngine } from '../../src/drivers/docker/engine.js';
import { isAlive, startPlatform, waitFor, waitForReady } from './platform.js';
import type { InstanceJson, Platform } from './platform.js';
import { removeBuiltImages, shopFiles, shopSpec } from './shop.js';

const docker = (args: string[]): string => spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 }).stdout.trim();
const engine = await probeEngine(connectEngine({}), 3000);
if (!engine.reachable) {
  if (process.env.CI) throw new Error(`no Docker engine is reachable in CI: ${engine.reason}`);
  console.warn(`\n*** SKIPPING the preview e2e test: no Docker engine is reachable (${engine.reason}) ***\n`);
}

const oneEach = { catalog: 1, orders: 1, reviews: 1, web: 1 };
let platform: Platform | undefined;

async function json<T>(apiPath: string): Promise<T> {
  const response = await platform!.fetch(apiPath);
  if (!response.ok) throw new Error(`GET ${apiPath}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const revisionCount = async (): Promise<number> => (await json<unknown[]>('/api/v1/revisions?limit=1000')).length;
const previews = (): Promise<PreviewView[]> => json<PreviewView[]>('/api/v1/previews');

/** The preview's instances once it runs one ready instance of each service. */
function waitForPreview(p: Platform, name: string): Promise<InstanceJson[]> {
  return waitFor(`preview ${name} ready`, async () => {
    const status = await p.status(name);
    const counts = Object.fromEntries(status.services.map((service) => [service.name, service.ready]));
    return JSON.stringify(counts) === JSON.stringify(oneEach) ? status.instances : null;
  }, 120_000);
}

describe.skipIf(!engine.reachable)('preview environments', () => {
  beforeAll(async () => {
    platform = await startPlatform({ spec: shopSpec(), files: shopFiles() });
    await waitForReady(platform, { catalog: 2, orders: 1, web: 1, reviews: 1 }, 120_000);
  }, 180_000);

  afterAll(async () => {
    const artifacts = platform ? await json<{ digest: string }[]>('/api/v1/services/reviews/artifacts') : [];
    await platform?.stop();
    removeBuiltImages(artifacts.map((artifact) => artifact.digest), docker);
  }, 60_000);

  it("creates a preview of the shop with dev's releases on its own router, and delete stops all it ran", async () => {
    const p = platform!;
    const created = p.cli(['preview', 'create', 'pr-7', '--from', 'dev', '--ttl', '2h']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^preview pr-7 of dev: catalog v1, orders v1, web v1, reviews v1\n {2}router {2}http:\/\/127\.0\.0\.1:\d+\n {2}expires /);

    const [preview] = await previews();
    expect(preview).toMatchObject({ name: 'pr-7', from: 'dev', ttlMs: 2 * 3_600_000 });
    expect(preview!.routerUrl).not.toBe(p.routerUrl);
    const listed = p.cli(['preview', 'list']);
    expect(listed.stdout).toContain(preview!.routerUrl);
    // Applying the file (which does not list previews) keeps it, unchanged.
    const revisions = await revisionCount();
    const applied = p.cli(['apply', 'skiff.yaml']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await revisionCount()).toBe(revisions);
    expect(await previews()).toEqual([preview]);

    // One instance of each service, the containers' too, running what dev runs.
    const ready = await waitForPreview(p, 'pr-7');
    expect(ready.every((instance) => instance.environment === 'pr-7')).toBe(true);
    const devArtifacts = await json<{ artifact: string | null }[]>('/api/v1/environments/dev/services/reviews/releases');
    const previewArtifacts = await json<{ artifact: string | null }[]>('/api/v1/environments/pr-7/services/reviews/releases');
    expect(previewArtifacts[0]!.artifact).toBe(devArtifacts[0]!.artifact);
    // Its own volume: orders in the preview does not write into dev's orders.
    const orderedInPreview = await fetch(`${preview!.routerUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ productId: 'mug', quantity: 1 }) });
    expect(orderedInPreview.status).toBe(201);
    const { id } = (await orderedInPreview.json()) as { id: string };
    expect((await fetch(`${p.routerUrl}/orders/${id}`)).status).toBe(404);

    // Reached through its own router, every service of it.
    const products = await waitFor('catalog through the preview router', async () => {
      const response = await fetch(`${preview!.routerUrl}/catalog/products`);
      return response.ok ? ((await response.json()) as { products: unknown[] }) : null;
    });
    expect(products.products.length).toBeGreaterThan(0);
    const page = await fetch(`${preview!.routerUrl}/`);
    expect(await page.text()).toContain('<h1>Shop</h1>');
    const reviews = await waitFor('reviews (a container) through the preview router', async () => {
      const response = await fetch(`${preview!.routerUrl}/reviews/kettle`);
      return response.ok ? ((await response.json()) as { product: string | null }) : null;
    });
    expect(reviews.product).toBe('Enamel kettle');

    const deleted = p.cli(['preview', 'delete', 'pr-7']);
    expect(deleted.code, deleted.stderr).toBe(0);
    await waitFor('the preview\'s processes to end', () => ready.every((instance) => instance.pid === null || !isAlive(instance.pid)), 60_000);
    await waitFor('the preview\'s containers to go', () => docker(['ps', '-a', '-q', '--filter', 'label=skiff.environment=pr-7']) === '', 60_000);
    expect(await previews()).toEqual([]);
    // Its router went too.
    await waitFor('the preview router to stop', () => fetch(preview!.routerUrl).then(() => false, () => true), 30_000);
    expect((await p.status('dev')).services.find((service) => service.name === 'catalog')).toMatchObject({ ready: 2 });
  }, 300_000);

  it('refuses an existing name, an unknown environment and a bad ttl with a clear error, recording nothing', async () => {
    const p = platform!;
    const before = await revisionCount();
    const cases: [string[], RegExp][] = [
      [['preview', 'create', 'dev', '--from', 'dev'], /environment "dev" exists already \[SKIFF_PREVIEW_EXISTS\]/],
      [['preview', 'create', 'pr-8', '--from', 'nowhere'], /there is no environment "nowhere" to preview \[SKIFF_UNKNOWN_ENVIRONMENT\]/],
      [['preview', 'create', 'pr-8', '--from', 'dev', '--ttl', 'soon'], /ttl "soon" is not a duration \[SKIFF_PREVIEW_INVALID\]/],
      [['preview', 'create', 'Bad_Name', '--from', 'dev'], /"Bad_Name" is not a valid environment name \[SKIFF_PREVIEW_INVALID\]/],
      [['preview', 'delete', 'staging'], /staging is an environment of the spec, not a preview.*\[SKIFF_PREVIEW_NOT_FOUND\]/],
    ];
    for (const [args, message] of cases) {
      const result = p.cli(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect(await revisionCount()).toBe(before);
    expect(await previews()).toEqual([]);
  }, 60_000);

  it('deletes a preview its ttl after its last deploy, with an event', async () => {
    const p = platform!;
    const created = p.cli(['preview', 'create', 'pr-9', '--from', 'dev', '--ttl', '20s']);
    expect(created.code, created.stderr).toBe(0);
    // Ready first: the ttl counts from the creation (no deploy since), and gives it time to start.
    await waitForPreview(p, 'pr-9');
    const [preview] = await previews();
    expect(Date.parse(preview!.expiresAt!) - Date.parse(preview!.lastDeployAt)).toBe(20_000);
    await waitFor('the preview to expire', async () => (await previews()).length === 0, 60_000);
    const events = await json<{ type: string; environment: string | null; message: string; actor: string | null }[]>('/api/v1/events?type=preview.expired');
    expect(events[0]).toMatchObject({ environment: 'pr-9', actor: 'skiff', message: 'preview pr-9 expired: no deploy for 20000 ms' });
    await waitFor('the expired preview\'s containers to go', () => docker(['ps', '-a', '-q', '--filter', 'label=skiff.environment=pr-9']) === '', 60_000);
  }, 120_000);
});
