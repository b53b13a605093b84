/**
 * Autoscaling end to end: the real `skiff up`, a service that takes 50 ms per request, real load
 * through the router; and a service that scales to zero and is woken by the next request.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchRouterMetrics } from '../../src/router/admin-client.js';
import { repoRoot, runLoad, startPlatform, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

const slowServer = path.join(repoRoot, 'test', 'fixtures', 'slow', 'server.mjs');

function slowSpec(autoscale: string, env = '{ DELAY_MS: 50 }'): string {
  return `name: test
services:
  slow:
    path: .
    start: [node, ${JSON.stringify(slowServer)}]
    env: ${env}
    readiness: { http: /health, interval: 200ms }
    stopGrace: 2s
    autoscale: ${autoscale}
    routes:
      - path: /slow
        stripPrefix: true
environments:
  dev: {}
`;
}

interface ServiceJson {
  name: string;
  desired: number;
  ready: number;
  autoscale: { desired: number; scaledToZero: boolean; mode: string } | null;
}

async function slowStatus(platform: Platform): Promise<{ service: ServiceJson; live: number }> {
  const response = await platform.fetch('/api/v1/environments/dev/status');
  const status = (await response.json()) as { services: ServiceJson[]; instances: { service: string; state: string }[] };
  const service = status.services.find((s) => s.name === 'slow') as ServiceJson;
  return { service, live: status.instances.filter((i) => i.service === 'slow' && i.state !== 'stopping').length };
}

async function decisions(platform: Platform): Promise<{ message: string; data: { from: number; to: number; mode: string; reason: string } }[]> {
  const response = await platform.fetch('/api/v1/events?service=slow&type=autoscale.decision&limit=100');
  return (await response.json()) as { message: string; data: { from: number; to: number; mode: string; reason: string } }[];
}

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

describe('autoscaling', () => {
  it('scales up under 40 concurrent clients (target concurrency 5) without a failed request, and back down when the load stops', async () => {
    platform = await startPlatform({ spec: slowSpec('{ min: 1, max: 6, target: { concurrency: 5 }, stableWindow: 2s, panicWindow: 1s }') });
    await waitForReady(platform, { slow: 1 });

    const stop = new AbortController();
    const loading = runLoad(`${platform.routerUrl}/slow/work`, { durationMs: 60_000, connections: 40, maxRequests: 100_000, signal: stop.signal });
    try {
      await waitFor('four or more ready instances under load', async () => ((await slowStatus(platform!)).service.ready >= 4 ? true : null), 45_000);
      const text = platform.cli(['status']).stdout;
      expect(text).toMatch(/^ {2}slow: \d+ instances \(autoscale 1–6, concurrency \d+\.\d\/5 per instance/m);
    } finally {
      stop.abort();
    }
    const load = await loading;
    expect(load.failures).toEqual([]);
    expect(load.total).toBeGreaterThan(100);

    await waitFor('back to one instance', async () => {
      const { service, live } = await slowStatus(platform!);
      return service.desired === 1 && live === 1 ? true : null;
    }, 45_000);
    const made = await decisions(platform);
    expect(made.some((d) => d.data.to > d.data.from)).toBe(true);
    expect(made.some((d) => d.data.to === 1 && d.data.from > 1)).toBe(true);
    const listed = platform.cli(['events', '--type', 'autoscale.decision', '--service', 'slow']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/autoscale\.decision/);
    expect(listed.stdout).toMatch(/slow: 1 → \d instances/);
  });

  it('scales up on CPU: requests that keep one instance busy above the 30% target bring a second', async () => {
    platform = await startPlatform({ spec: slowSpec('{ min: 1, max: 3, target: { cpu: 30% }, stableWindow: 2s, panicWindow: 1s }', '{ DELAY_MS: 0, BUSY_MS: 20 }') });
    await waitForReady(platform, { slow: 1 });

    const stop = new AbortController();
    const loading = runLoad(`${platform.routerUrl}/slow/work`, { durationMs: 60_000, connections: 4, maxRequests: 100_000, signal: stop.signal });
    try {
      await waitFor('a second ready instance under CPU load', async () => ((await slowStatus(platform!)).service.ready >= 2 ? true : null), 45_000);
    } finally {
      stop.abort();
    }
    expect((await loading).failures).toEqual([]);
    const up = (await decisions(platform)).find((d) => d.data.to > d.data.from) as unknown as { message: string; data: { measure: string; target: number } };
    expect(up.data).toMatchObject({ measure: 'cpu', target: 30 });
    expect(up.message).toMatch(/cpu \d+\.\d%\/30% per instance/);
  });

  it('scales to zero after idleAfter, and the next request wakes it and is answered', async () => {
    platform = await startPlatform({ spec: slowSpec('{ min: 0, max: 2, target: { concurrency: 5 }, stableWindow: 1s, panicWindow: 500ms, idleAfter: 2s }') });
    await waitForReady(platform, { slow: 1 });

    await waitFor('scaled to zero', async () => {
      const { service, live } = await slowStatus(platform!);
      return service.autoscale?.scaledToZero && live === 0 ? true : null;
    }, 30_000);
    expect(platform.cli(['status']).stdout).toMatch(/^ {2}slow: scaled to zero \(autoscale 0–2, /m);

    const response = await fetch(`${platform.routerUrl}/slow/first`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ path: '/first' });

    const { service } = await slowStatus(platform);
    expect(service.autoscale).toMatchObject({ scaledToZero: false, desired: 1 });
    expect(platform.cli(['status']).stdout).toMatch(/^ {2}slow: 1 instance \(autoscale 0–2, /m);
    const made = await decisions(platform);
    expect(made.map((d) => [d.data.from, d.data.to, d.data.reason])).toEqual(expect.arrayContaining([[1, 0, 'idle'], [0, 1, 'wake']]));
    // The router measured the woken request's wait.
    const metrics = await fetchRouterMetrics(path.join(platform.dataDir, 'routers', 'dev', 'router.sock'));
    expect(metrics).toMatch(/^skiff_router_wake_seconds_count\{service="slow",environment="dev"\} 1$/m);
  });
});
