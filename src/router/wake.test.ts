import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awaitWakeRequests, publishRouteTable } from './admin-client.js';
import { startRouter } from './router.js';
import { metricValue, route, startBackend, table, TestClient } from './test-fixtures.js';
import { testScope } from './testing/test-scope.js';

const scope = testScope({ scratch: 'skiff-router-wake-' });
const { cleanups } = scope;

describe('waking a service at zero instances', () => {
  it('answers the wake poll as soon as a request is held for a wake route, then forwards the request once a table brings an instance', async () => {
    const socket = join(scope.dir, 'router.sock');
    const router = await startRouter({ listenHost: '127.0.0.1', port: 0, adminSocket: socket });
    cleanups.push(() => router.close());
    const client = new TestClient(`http://127.0.0.1:${router.port}`);
    cleanups.push(() => client.close());
    const backend = await startBackend('a');
    cleanups.push(() => backend.kill());
    const stop = new AbortController();
    cleanups.push(async () => stop.abort());

    await publishRouteTable(socket, table(1, [route({ backends: [], wake: true }), route({ id: 'dev/plain/0', service: 'plain', pathPrefix: '/plain', backends: [] })]));
    const poll = awaitWakeRequests(socket, stop.signal);
    // A route without `wake` holds its request but wakes nothing.
    const plain = client.send('/plain');
    const answer = client.send('/hello');
    expect(await poll).toEqual(['app']);

    await publishRouteTable(socket, table(2, [route({ backends: [backend.asRouteBackend()], wake: true }), route({ id: 'dev/plain/0', service: 'plain', pathPrefix: '/plain', backends: [backend.asRouteBackend()] })]));
    expect(await answer).toMatchObject({ status: 200 });
    expect((await plain).status).toBe(200);
    const metrics = router.metrics();
    expect(metricValue(metrics, 'skiff_router_wake_seconds_count{service="app",environment="dev"}')).toBe(1);
    expect(metricValue(metrics, 'skiff_router_wake_seconds_count{service="plain",environment="dev"}')).toBeUndefined();
  });

  it('refuses a wait beyond a minute', async () => {
    const socket = join(scope.dir, 'router-2.sock');
    const router = await startRouter({ listenHost: '127.0.0.1', port: 0, adminSocket: socket });
    cleanups.push(() => router.close());
    const status = await new Promise<number>((resolve, reject) => {
      request({ socketPath: socket, path: '/wake?waitMs=600000' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(400);
  });
});
