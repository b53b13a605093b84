/**
 * End-to-end stories of monitoring: the real `skiff up`, real processes, real HTTP on 127.0.0.1.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPromtool } from '../../src/core/testing/promtool.js';
import { echoServer, echoSpec, runLoad, startPlatform, waitFor, waitForReady, waitForRouted } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

/** The sum of the samples of `name` whose labels include `labels`; undefined when none does. */
function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('GET /metrics on the control plane', () => {
  it('exposes instances, Skiff itself and the router in one scrape that promtool accepts', async () => {
    platform = await startPlatform({ spec: echoSpec() });
    const instances = await waitForReady(platform, { echo: 2 });
    await waitForRouted(platform, '/echo/', instances);
    const before = await (await platform.fetch(`/metrics`)).text();
    const routedBefore = sampleValue(before, 'skiff_router_requests_total', { service: 'echo', environment: 'dev' }) ?? 0;
    const load = await runLoad(`${platform.routerUrl}/echo/hi`, { durationMs: 5_000, connections: 2, maxRequests: 50 });
    expect(load.failed).toBe(0);
    await (await platform.fetch(`/api/v1/environments/dev/status`)).text();

    const text = await waitFor('the scrape to show the traffic', async () => {
      const response = await platform!.fetch(`/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const body = await response.text();
      const requests = sampleValue(body, 'skiff_router_requests_total', { service: 'echo', environment: 'dev' });
      return requests !== undefined && requests >= routedBefore + 50 ? body : null;
    });
    for (const instance of instances) {
      expect(sampleValue(text, 'skiff_instance_state', { instance: instance.id, state: 'ready' })).toBe(1);
      expect(sampleValue(text, 'skiff_instance_state', { instance: instance.id, state: 'crashed' })).toBe(0);
      expect(sampleValue(text, 'skiff_instance_resident_memory_bytes', { instance: instance.id })).toBeGreaterThan(1_000_000);
      expect(sampleValue(text, 'skiff_instance_cpu_seconds_total', { instance: instance.id })).toBeGreaterThanOrEqual(0);
      expect(sampleValue(text, 'skiff_instance_restarts_total', { instance: instance.id })).toBe(0);
      expect(sampleValue(text, 'skiff_instance_uptime_seconds', { instance: instance.id })).toBeGreaterThan(0);
    }
    expect(sampleValue(text, 'skiff_router_requests_total', { service: 'echo', environment: 'dev' })).toBe(routedBefore + 50);
    expect(sampleValue(text, 'skiff_router_responses_total', { service: 'echo', code: '2xx' })).toBe(routedBefore + 50);
    expect(sampleValue(text, 'skiff_route_table_backends', { environment: 'dev' })).toBe(2);
    expect(sampleValue(text, 'skiff_service_desired_instances', { service: 'echo' })).toBe(2);
    expect(sampleValue(text, 'skiff_reconcile_duration_seconds_count', { environment: 'dev' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, 'skiff_route_propagation_delay_seconds_count', { environment: 'dev' })).toBe(2);
    expect(sampleValue(text, 'skiff_api_request_duration_seconds_count', { route: '/api/v1/environments/:env/status', code: '2xx' })).toBeGreaterThanOrEqual(1);

    checkPromtool(text);
  });

  it('skiff top --once prints one table with the traffic, readiness and usage of each service', async () => {
    const extra = `  idle:
    path: .
    start: [node, ${JSON.stringify(echoServer)}]
    instances: 1
    readiness:
      http: /health
      interval: 200ms
`;
    platform = await startPlatform({ spec: echoSpec({ extra }) });
    const instances = await waitForReady(platform, { echo: 2, idle: 1 });
    await waitForRouted(platform, '/echo/', instances.filter((i) => i.service === 'echo'));
    // Traffic while the table is read: top shows the last 10 s.
    const loading = runLoad(`${platform.routerUrl}/echo/hi`, { durationMs: 8_000, connections: 1, maxRequests: 4_000 });
    let last = '';
    const table = await waitFor('a table with the traffic', () => {
      const result = platform!.cli(['top', '--once']);
      last = result.stdout + result.stderr;
      return result.code === 0 && /^echo\s+\d+\.\d\s+0\.0%\s+\S+ms\s+\S+ms\s+2\/2\s+\d+\.\d%\s+\d+\.\d MiB$/m.test(result.stdout) ? result.stdout : null;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}; last output:\n${last}`);
    });
    expect((await loading).failed).toBe(0);
    // The same samples feed the history the dashboard charts.
    const series = (await (await platform.fetch(`/api/v1/metrics/series?environment=dev&service=echo&metric=rps`)).json()) as {
      time: number;
      value: number;
    }[];
    expect(series.some((point) => point.value > 0 && point.time % 10_000 === 0)).toBe(true);
    expect(table).toMatch(/^SERVICE\s+RPS\s+ERRORS\s+P50\s+P99\s+READY\s+CPU\s+MEMORY$/m);
    expect(table).toMatch(/^idle\s+-\s+-\s+-\s+-\s+1\/1\s+/m);
  });
});

interface Hook {
  readonly alert: string;
  readonly state: string;
  readonly environment: string;
  readonly severity: string;
}

/** A real webhook receiver on 127.0.0.1 that refuses its very first delivery, to see the retry. */
async function startReceiver(): Promise<{ url: string; received: Hook[]; attempts: () => number; close: () => Promise<void> }> {
  const received: Hook[] = [];
  let attempts = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      attempts += 1;
      if (attempts === 1) {
        res.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Hook);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    attempts: () => attempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('alerts', () => {
  it('fires when instances are not ready, resolves when they are back, and the webhook gets both', async () => {
    const receiver = await startReceiver();
    try {
      const alerts = `alerts:
  - name: echo-degraded
    expr: ready(echo) < desired(echo)
    for: 1s
    severity: critical
notify:
  - webhook: ${receiver.url}
`;
      // Readiness fails after 2 × 200 ms; liveness replaces the instance only after 30 × 200 ms.
      platform = await startPlatform({ spec: echoSpec({ livenessFailures: 30, extra: alerts }) });
      const [sick] = await waitForReady(platform, { echo: 2 });
      // Rules show from the first evaluation on (every 2 s); one made while instances were still
      // starting may show the rule pending until the next.
      const listed = await waitFor('the rule listed as inactive', () => {
        const result = platform!.cli(['alerts']);
        return result.code === 0 && /INACTIVE\s+echo-degraded/.test(result.stdout) ? result.stdout : null;
      });
      expect(listed).toMatch(/INACTIVE\s+echo-degraded\s+dev\s+critical\s+ready\(echo\) < desired\(echo\)/);

      expect((await fetch(`http://127.0.0.1:${sick!.port}/break-health`, { method: 'POST' })).ok).toBe(true);
      await waitFor('the alert firing', async () => {
        const list = (await (await platform!.fetch(`/api/v1/alerts`)).json()) as { name: string; state: string }[];
        return list.find((a) => a.name === 'echo-degraded')?.state === 'firing';
      });
      expect(platform.cli(['alerts', '--firing']).stdout).toMatch(/FIRING\s+echo-degraded/);
      await waitFor('the firing notification', () => receiver.received.some((h) => h.state === 'firing'), 20_000);

      // Liveness replaces the sick instance: both ready again, the alert resolves.
      await waitFor('the resolved notification', () => receiver.received.some((h) => h.state === 'resolved'), 30_000);
      expect(receiver.received.map((h) => [h.alert, h.state, h.environment, h.severity])).toEqual([
        ['echo-degraded', 'firing', 'dev', 'critical'],
        ['echo-degraded', 'resolved', 'dev', 'critical'],
      ]);
      const events = (await (await platform.fetch(`/api/v1/events?limit=200`)).json()) as { type: string; data: Record<string, unknown> }[];
      const types = events.map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['alert.pending', 'alert.firing', 'alert.resolved', 'alert.delivery']));
      const deliveries = events.filter((e) => e.type === 'alert.delivery').map((e) => [e.data['state'], e.data['attempt'], e.data['ok']]);
      expect(deliveries).toEqual(expect.arrayContaining([['firing', 1, false], ['firing', 2, true], ['resolved', 1, true]]));
      expect(platform.cli(['alerts']).stdout).toMatch(/INACTIVE\s+echo-degraded/);
    } finally {
      await receiver.close();
    }
  });
});
