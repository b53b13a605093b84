/** Release choice through a real router and real backends: weights, matches, retries within a release, metrics per release. */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { metricValue, refusedPort, route, table, TestClient, waitFor } from './test-fixtures.js';
import { testScope } from './testing/test-scope.js';

const scope = testScope();
const { cleanups, backends } = scope;
const router = () => scope.router({ drainTimeoutMs: 1_000 });

/** Sends `count` GETs one after the other; returns how many each instance answered. */
async function spread(client: TestClient, count: number, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const answer = await client.send(`/r/${i}`, { headers });
    expect(answer.status).toBe(200);
    const instance = String(answer.headers['x-skiff-instance']);
    counts[instance] = (counts[instance] ?? 0) + 1;
  }
  return counts;
}

describe('release weights and matches', () => {
  it('sends exactly the canary weight to the canary and records metrics per release', async () => {
    const [a, b, c] = await backends('a', 'b', 'c');
    const { router: r, client } = await router();
    await r.publish(
      table(1, [route({ weights: { v1: 95, v2: 5 }, backends: [a!.asRouteBackend('v1'), b!.asRouteBackend('v1'), c!.asRouteBackend('v2')] })]),
    );

    expect(await spread(client, 200)).toEqual({ a: 95, b: 95, c: 10 });
    const labels = (release: string): string => `route="dev/app/0",service="app",environment="dev",release="${release}"`;
    expect(metricValue(r.metrics(), `skiff_router_requests_total{${labels('v2')}}`)).toBe(10);
    expect(metricValue(r.metrics(), `skiff_router_requests_total{${labels('v1')}}`)).toBe(190);
    expect(metricValue(r.metrics(), `skiff_router_responses_total{${labels('v2')},code="2xx"}`)).toBe(10);
  });

  it('routes header and cookie matches to their release, and falls back when nothing weighted is ready', async () => {
    const [a, c] = await backends('a', 'c');
    const { router: r, client } = await router();
    const backendsOf = [a!.asRouteBackend('v1'), c!.asRouteBackend('v2')];
    await r.publish(
      table(1, [
        route({
          weights: { v1: 100 },
          releaseMatches: [
            { match: { kind: 'header', name: 'x-skiff-preview', value: '1' }, release: 'v2' },
            { match: { kind: 'cookie', name: 'canary', value: 'always' }, release: 'v2' },
            { match: { kind: 'header', name: 'x-gone', value: '1' }, release: 'v7' },
          ],
          backends: backendsOf,
        }),
      ]),
    );
    expect(await spread(client, 10)).toEqual({ a: 10 });
    expect(await spread(client, 5, { 'X-Skiff-Preview': '1' })).toEqual({ c: 5 });
    expect(await spread(client, 5, { cookie: 'theme=dark; canary=always' })).toEqual({ c: 5 });
    expect(await spread(client, 5, { cookie: 'canary=sometimes', 'x-gone': '1' })).toEqual({ a: 5 });

    // A weighted release without a ready instance: every backend serves rather than none.
    await r.publish(table(2, [route({ weights: { v3: 100 }, backends: backendsOf })]));
    expect(await spread(client, 10)).toEqual({ a: 5, c: 5 });
  });

  it('retries within the chosen release when it has another instance', async () => {
    const [b, c] = await backends('b', 'c');
    const dead = { id: 'dead', release: 'v1', host: '127.0.0.1', port: await refusedPort() };
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ weights: { v1: 50, v2: 50 }, backends: [dead, b!.asRouteBackend('v1'), c!.asRouteBackend('v2')] })]));

    // Every v1 request that met the dead instance went on to b, never to the v2 instance c.
    expect(await spread(client, 40)).toEqual({ b: 20, c: 20 });
    expect(metricValue(r.metrics(), 'skiff_router_retries_total{route="dev/app/0",service="app",environment="dev",release="v1"}')).toBeGreaterThan(0);
  });

  it('sends a matched WebSocket upgrade to the matched release', async () => {
    const [a, c] = await backends('a', 'c');
    const { router: r } = await router();
    await r.publish(
      table(1, [
        route({
          weights: { v1: 100 },
          releaseMatches: [{ match: { kind: 'header', name: 'x-skiff-preview', value: '1' }, release: 'v2' }],
          backends: [a!.asRouteBackend('v1'), c!.asRouteBackend('v2')],
        }),
      ]),
    );
    const socket = connect(r.port, '127.0.0.1');
    cleanups.push(async () => socket.destroy());
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Skiff-Preview: 1\r\n\r\n');
    await waitFor(() => received.includes('c:'), 5_000, 'the upgrade answered by c');
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
  });
});
