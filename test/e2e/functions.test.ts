/**
 * Functions with the real `skiff up`: a `kind: function` service routed at /price answers
 * through the router from its function runtime, a new release rolls out under load without a
 * failed request, and a function that cannot load fails its start with the reason in the events
 * and in `skiff status` while the other services keep answering.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoServer, runLoad, startPlatform, waitFor } from './platform.js';
import type { InstanceJson, Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

const priceHandler = `
export async function fetch(request, env) {
  const url = new URL(request.url);
  return Response.json({ item: url.searchParams.get('item'), price: 3, version: env.VERSION, instance: env.SKIFF_INSTANCE_ID });
}
`;

function spec(version: string, extra = ''): string {
  return `name: functions
services:
  price:
    kind: function
    path: price
    handler: src/price.mjs
    timeout: 5s
    memory: 128Mi
    concurrency: 20
    instances: 2
    env: { VERSION: "${version}" }
    readiness: { http: /health, interval: 200ms }
    strategy: { type: rolling, maxSurge: 1, maxUnavailable: 0, drainTimeout: 10s }
    routes: [{ path: /price }]
${extra}environments:
  dev: {}
`;
}

async function readyOf(p: Platform, service: string, count: number, release?: string): Promise<InstanceJson[]> {
  return waitFor(`${count} ready ${service} instances${release ? ` of ${release}` : ''}`, async () => {
    const all = (await p.status()).instances.filter((i) => i.service === service);
    const ready = all.filter((i) => i.state === 'ready' && (release === undefined || i.release === release));
    return all.length === count && ready.length === count ? ready : null;
  }, 30_000);
}

describe('functions', () => {
  it('answers through the router at /price and rolls out a new release under load with no failed request', async () => {
    platform = await startPlatform({ spec: spec('1'), files: { 'price/src/price.mjs': priceHandler } });
    const p = platform;
    await readyOf(p, 'price', 2);
    const first = await waitFor('an answer at /price', async () => {
      const response = await fetch(`${p.routerUrl}/price?item=tea`);
      return response.ok ? ((await response.json()) as { item: string; price: number; version: string }) : null;
    });
    expect(first).toMatchObject({ item: 'tea', price: 3, version: '1' });
    const status = p.cli(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/function pool: \d+ warm of 2, \d+ MiB/);

    const loading = runLoad(`${p.routerUrl}/price?item=tea`, { durationMs: 8000, connections: 4, maxRequests: 50_000 });
    fs.writeFileSync(path.join(p.specDir, 'skiff.yaml'), spec('2'));
    const applied = p.cli(['apply', 'skiff.yaml']);
    expect(applied.code, applied.stderr).toBe(0);
    await readyOf(p, 'price', 2, 'v2');
    const load = await loading;
    console.log(`function rollout under load: ${load.failed} of ${load.total} failed ${load.failures.join('; ')}`);
    expect(load.failed, load.failures.join('; ')).toBe(0);
    expect(load.total).toBeGreaterThan(50);
    const after = (await (await fetch(`${p.routerUrl}/price?item=tea`)).json()) as { version: string };
    expect(after.version).toBe('2');
  }, 120_000);

  it('fails the start of a function that throws at import, with the reason in events and status; other services keep answering', async () => {
    platform = await startPlatform({
      spec: `name: broken
services:
  broken:
    kind: function
    path: broken
    handler: index.mjs
    routes: [{ path: /broken }]
  web:
    path: web
    start: [node, server.mjs]
    routes: [{ path: /web }]
environments:
  dev: {}
`,
      files: { 'broken/index.mjs': `throw new Error('cannot reach the price database');\n`, 'web/server.mjs': fs.readFileSync(echoServer, 'utf8') },
    });
    const p = platform;
    const failed = await waitFor('the broken function to be marked with its reason', async () =>
      (await p.status()).instances.find((i) => i.service === 'broken' && (i as InstanceJson & { reason?: string }).reason?.includes('cannot reach the price database')),
    );
    // Restarted with backoff like any crashed instance; the reason stays until one starts.
    expect(['crashed', 'starting']).toContain(failed.state);
    const events = (await (await p.fetch('/api/v1/events?type=instance.start-failed&limit=20')).json()) as { message: string }[];
    expect(events.some((event) => event.message.includes('cannot reach the price database'))).toBe(true);
    const status = p.cli(['status']);
    expect(status.stdout).toContain('cannot reach the price database');
    await readyOf(p, 'web', 1);
    const web = await waitFor('the web service to answer', async () => (await fetch(`${p.routerUrl}/web`)).ok);
    expect(web).toBe(true);
  }, 120_000);

  it('refuses a spec whose handler file does not exist, with the field path and a hint', async () => {
    platform = await startPlatform({ spec: spec('1'), files: { 'price/src/price.mjs': priceHandler } });
    const p = platform;
    fs.writeFileSync(path.join(p.specDir, 'skiff.yaml'), spec('1').replace('src/price.mjs', 'src/prices.mjs'));
    const refused = p.cli(['apply', 'skiff.yaml']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('services.price.handler');
    expect(refused.stderr).toContain('src/prices.mjs does not exist');
    expect(refused.stderr).toContain('SKIFF_FUNCTION_HANDLER_MISSING');
  }, 60_000);
});
