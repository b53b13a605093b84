import { describe, expect, it } from 'vitest';
import { startRouter } from './router.js';
import { refusedPort, route, table, TestClient, waitFor } from './test-fixtures.js';
import { testScope } from './testing/test-scope.js';

const scope = testScope();
const { cleanups, backends } = scope;
const router = () => scope.router({ drainTimeoutMs: 2_000 });

describe('router data plane', () => {
  it('forwards to the backend with the prefix stripped and forwarding headers set', async () => {
    const [a] = await backends('a');
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ id: 'dev/catalog/0', pathPrefix: '/catalog', stripPrefix: true, backends: [a!.asRouteBackend()] })]));

    const answer = await client.send('/catalog/items?page=2', { headers: { 'x-request-id': 'req-1' } });

    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ backend: 'a', url: '/items?page=2' });
    expect(answer.headers['x-skiff-instance']).toBe('a');
    expect(answer.headers['x-backend-secret']).toBeUndefined();
    const seen = a!.seen[0]!;
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(`127.0.0.1:${r.port}`);
    expect(seen.headers['x-request-id']).toBe('req-1');

    await client.send('/catalog');
    expect(a!.seen[1]!.url).toBe('/');
    expect(a!.seen[1]!.headers['x-request-id']).toMatch(/.+/);
  });

  it('answers 404 without a route and 503 with Retry-After without a ready instance', async () => {
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ id: 'dev/api/0', pathPrefix: '/api', hold: { timeoutMs: 0 }, backends: [] })]));

    const missing = await client.send('/nothing/here');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'SKIFF_NO_ROUTE' });

    const empty = await client.send('/api/users');
    expect(empty.status).toBe(503);
    expect(empty.headers['retry-after']).toBe('1');
    expect(empty.json()).toMatchObject({ code: 'SKIFF_NO_READY_INSTANCE' });
  });

  it('spreads requests over both backends', async () => {
    for (const balance of ['round-robin', 'least-request'] as const) {
      const [a, b] = await backends('a', 'b');
      const { router: r, client } = await router();
      await r.publish(table(1, [route({ balance, backends: [a!.asRouteBackend(), b!.asRouteBackend()] })]));
      for (let i = 0; i < 20; i++) expect((await client.send('/')).status).toBe(200);
      expect(a!.seen.length, balance).toBeGreaterThan(0);
      expect(b!.seen.length, balance).toBeGreaterThan(0);
    }
  });

  it('least-request sends new requests to the idle backend while the other is busy', async () => {
    const [a, b] = await backends('a', 'b');
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ balance: 'least-request', backends: [a!.asRouteBackend(), b!.asRouteBackend()] })]));

    const slow = client.send('/slow', { headers: { 'x-hold': '1' } });
    await waitFor(() => a!.heldCount() + b!.heldCount() === 1, 5_000, 'the slow request to arrive');
    const [busy, idle] = a!.heldCount() === 1 ? [a!, b!] : [b!, a!];

    for (let i = 0; i < 10; i++) expect((await client.send('/quick')).json()).toMatchObject({ backend: idle.name });
    expect(busy.seen.filter((s) => s.url === '/quick')).toHaveLength(0);

    busy.releaseHeld();
    expect((await slow).json()).toMatchObject({ backend: busy.name });
  });

  it('retries idempotent requests on another backend when the connection is refused', async () => {
    const [good] = await backends('good');
    const dead = { id: 'dead', release: 'v1', host: '127.0.0.1', port: await refusedPort() };
    const { router: r, client } = await router();
    // Ejection off: this test is about which methods are retried, not about outlier detection.
    await r.publish(
      table(1, [route({ retryMethods: ['GET', 'PUT'], circuitBreaker: { consecutiveFailures: 0 }, backends: [dead, good!.asRouteBackend()] })]),
    );

    for (let i = 0; i < 6; i++) {
      const answer = await client.send('/');
      expect(answer.status).toBe(200);
      expect(answer.headers['x-skiff-instance']).toBe('good');
    }
    // A PUT with a body is replayed on the retry, body included.
    for (let i = 0; i < 2; i++) {
      const put = await client.send('/items/1', { method: 'PUT', body: `{"n":${i}}`, headers: { 'content-type': 'application/json' } });
      expect(put.status).toBe(200);
      expect(put.json()).toMatchObject({ backend: 'good', body: `{"n":${i}}` });
    }
    // POST is not in retryMethods: the request that lands on the dead backend fails.
    const posts = [await client.send('/orders', { method: 'POST', body: 'a' }), await client.send('/orders', { method: 'POST', body: 'b' })];
    expect(posts.map((p) => p.status).sort()).toEqual([200, 502]);
    expect(posts.find((p) => p.status === 502)!.json()).toMatchObject({ code: 'SKIFF_UPSTREAM_UNAVAILABLE' });
  });

  it('answers 502 when the retry fails too on a route that holds no request', async () => {
    const dead = [await refusedPort(), await refusedPort()].map((port, i) => ({ id: `dead${i}`, release: 'v1', host: '127.0.0.1', port }));
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ hold: { timeoutMs: 0 }, backends: dead })]));
    const answer = await client.send('/');
    expect(answer.status).toBe(502);
    expect(answer.json()).toMatchObject({ code: 'SKIFF_UPSTREAM_UNAVAILABLE' });
  });

  it('streams large answers and request bodies through', async () => {
    const [a] = await backends('a');
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ backends: [a!.asRouteBackend()] })]));

    const big = await client.send('/big?bytes=8388608');
    expect(big.status).toBe(200);
    expect(big.text.length).toBe(8 * 1024 * 1024);

    const body = 'y'.repeat(2 * 1024 * 1024);
    const upload = await client.send('/upload', { method: 'POST', body });
    expect(upload.json<{ body: string }>().body.length).toBe(body.length);
  });

  it('lets requests in flight on a removed backend finish after a table update', async () => {
    const [a, b] = await backends('a', 'b');
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ backends: [a!.asRouteBackend()] })]));
    const slow = client.send('/slow', { headers: { 'x-hold': '1' } });
    await waitFor(() => a!.heldCount() === 1, 5_000, 'the slow request to reach a');

    await r.publish(table(2, [route({ backends: [b!.asRouteBackend()] })]));
    expect((await client.send('/')).json()).toMatchObject({ backend: 'b' });

    a!.releaseHeld();
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ backend: 'a' });
  });

  it('finishes in-flight requests when closed', async () => {
    const [a] = await backends('a');
    const started = await startRouter({ listenHost: '127.0.0.1', port: 0, drainTimeoutMs: 5_000 });
    const client = new TestClient(`http://127.0.0.1:${started.port}`);
    cleanups.push(() => client.close());
    await started.publish(table(1, [route({ backends: [a!.asRouteBackend()] })]));
    const slow = client.send('/slow', { headers: { 'x-hold': '1' } });
    await waitFor(() => a!.heldCount() === 1, 5_000, 'the slow request to reach a');

    const closed = started.close();
    a!.releaseHeld();
    const answer = await slow;
    expect(answer.status).toBe(200);
    await closed;
    await expect(client.send('/')).rejects.toThrow();
  });
});
