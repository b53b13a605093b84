import { afterEach, describe, expect, it } from 'vitest';
import { startRouter } from './router.js';
import { route, startBackend, table, TestClient } from './test-fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The value of the one sample line starting with `prefix` (name and labels). */
function sample(text: string, prefix: string): number {
  const lines = text.split('\n').filter((line) => line.startsWith(`${prefix} `));
  expect(lines, prefix).toHaveLength(1);
  return Number(lines[0]!.slice(prefix.length + 1));
}

describe('router metrics', () => {
  it('counts requests, status classes, latency and bytes exactly, per route and release', async () => {
    const a = await startBackend('a');
    const router = await startRouter({ listenHost: '127.0.0.1', port: 0 });
    const client = new TestClient(`http://127.0.0.1:${router.port}`);
    cleanups.push(() => a.kill(), () => router.close(), () => client.close());
    await router.publish(
      table(1, [
        route({ id: 'dev/app/0', pathPrefix: '/app', stripPrefix: true, backends: [a.asRouteBackend('v7')] }),
        route({ id: 'dev/empty/0', service: 'empty', pathPrefix: '/empty', hold: { timeoutMs: 0 }, backends: [] }),
      ]),
    );

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await client.send('/app/ok')).status);
    for (let i = 0; i < 2; i++) statuses.push((await client.send('/app/status/404')).status);
    statuses.push((await client.send('/app/status/503')).status);
    statuses.push((await client.send('/nowhere')).status);
    statuses.push((await client.send('/empty')).status);
    expect(statuses).toEqual([200, 200, 200, 404, 404, 503, 404, 503]);

    const text = router.metrics();
    const labels = 'route="dev/app/0",service="app",environment="dev",release="v7"';
    expect(sample(text, `skiff_router_requests_total{${labels}}`)).toBe(6);
    expect(sample(text, `skiff_router_responses_total{${labels},code="2xx"}`)).toBe(3);
    expect(sample(text, `skiff_router_responses_total{${labels},code="4xx"}`)).toBe(2);
    expect(sample(text, `skiff_router_responses_total{${labels},code="5xx"}`)).toBe(1);
    expect(sample(text, `skiff_router_responses_total{${labels},code="3xx"}`)).toBe(0);
    expect(sample(text, `skiff_router_request_duration_seconds_count{${labels}}`)).toBe(6);
    expect(sample(text, `skiff_router_request_duration_seconds_bucket{${labels},le="+Inf"}`)).toBe(6);
    expect(sample(text, `skiff_router_request_duration_seconds_bucket{${labels},le="10"}`)).toBe(6);
    expect(sample(text, `skiff_router_request_duration_seconds_sum{${labels}}`)).toBeGreaterThan(0);
    expect(sample(text, `skiff_router_in_flight_requests{${labels}}`)).toBe(0);
    expect(sample(text, `skiff_router_retries_total{${labels}}`)).toBe(0);
    expect(sample(text, `skiff_router_connect_failures_total{${labels}}`)).toBe(0);
    expect(sample(text, `skiff_router_response_bytes_total{${labels}}`)).toBeGreaterThan(0);
    // Answers the router gave itself are counted on the route with an empty release.
    const empty = 'route="dev/empty/0",service="empty",environment="dev",release=""';
    expect(sample(text, `skiff_router_requests_total{${empty}}`)).toBe(1);
    expect(sample(text, `skiff_router_responses_total{${empty},code="5xx"}`)).toBe(1);
    expect(sample(text, 'skiff_router_unmatched_requests_total')).toBe(1);
    expect(text).toContain('# TYPE skiff_router_request_duration_seconds histogram');
  });

  it('counts connection failures and retries', async () => {
    const good = await startBackend('good');
    const router = await startRouter({ listenHost: '127.0.0.1', port: 0 });
    const client = new TestClient(`http://127.0.0.1:${router.port}`);
    cleanups.push(() => good.kill(), () => router.close(), () => client.close());
    const { refusedPort } = await import('./test-fixtures.js');
    const dead = { id: 'dead', release: 'old', host: '127.0.0.1', port: await refusedPort() };
    await router.publish(table(1, [route({ balance: 'round-robin', backends: [dead, good.asRouteBackend('v1')] })]));
    for (let i = 0; i < 4; i++) expect((await client.send('/')).status).toBe(200);

    const text = router.metrics();
    const deadLabels = 'route="dev/app/0",service="app",environment="dev",release="old"';
    const goodLabels = 'route="dev/app/0",service="app",environment="dev",release="v1"';
    const failures = sample(text, `skiff_router_connect_failures_total{${deadLabels}}`);
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(sample(text, `skiff_router_retries_total{${deadLabels}}`)).toBe(failures);
    expect(sample(text, `skiff_router_requests_total{${deadLabels}}`) + sample(text, `skiff_router_requests_total{${goodLabels}}`)).toBe(4);
    // Every answer came from the good instance, counted on its release.
    expect(sample(text, `skiff_router_responses_total{${goodLabels},code="2xx"}`)).toBe(4);
    expect(sample(text, `skiff_router_responses_total{${deadLabels},code="2xx"}`)).toBe(0);
  });
});
