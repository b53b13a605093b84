/**
 * Resilience of the data plane, each feature against real backends on 127.0.0.1: timeouts,
 * the retry budget, outlier ejection, concurrency limits, rate limits, holding requests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRouter, type RouterHandle } from './router.js';
import {
  metricValue,
  refusedPort,
  route,
  startBackend,
  startSwitchableBackend,
  table,
  TestClient,
  waitFor,
  type TestBackend,
} from './test-fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function backend(name: string): Promise<TestBackend> {
  const started = await startBackend(name);
  cleanups.push(async () => {
    started.releaseHeld();
    await started.kill();
  });
  return started;
}

async function router(): Promise<{ router: RouterHandle; client: TestClient }> {
  const started = await startRouter({ listenHost: '127.0.0.1', port: 0, drainTimeoutMs: 500 });
  const client = new TestClient(`http://127.0.0.1:${started.port}`);
  cleanups.push(() => started.close(), () => client.close());
  return { router: started, client };
}

const labels = 'route="dev/app/0",service="app",environment="dev"';

describe('timeouts', () => {
  it('answers 504 when the instance sends no first byte in time, and keeps serving others', async () => {
    const a = await backend('a');
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ timeouts: { firstByteMs: 300 }, backends: [a.asRouteBackend()] })]));

    const hung = client.send('/hang');
    await waitFor(() => a.heldCount() === 1, 5_000, 'the request to reach the instance');
    // The hung request costs only itself: others are answered meanwhile.
    expect((await client.send('/quick')).status).toBe(200);
    const answer = await hung;
    expect(answer.status).toBe(504);
    expect(answer.json()).toMatchObject({ code: 'SKIFF_UPSTREAM_TIMEOUT' });
    expect(metricValue(r.metrics(), `skiff_router_upstream_timeouts_total{${labels},release="v1"}`)).toBe(1);
  });

  it('cuts an answer that goes silent past the idle timeout, and one past the total timeout', async () => {
    const a = await backend('a');
    const { router: r, client } = await router();
    await r.publish(
      table(1, [
        route({ id: 'dev/app/0', pathPrefix: '/', timeouts: { idleMs: 300 }, backends: [a.asRouteBackend()] }),
        route({ id: 'dev/app/1', pathPrefix: '/sse', timeouts: { totalMs: 400 }, backends: [a.asRouteBackend()] }),
      ]),
    );
    // Headers and a first part went out already: the client must see a broken answer, not a complete one.
    await expect(client.send('/stall-body')).rejects.toThrow();
    await expect(client.send('/sse')).rejects.toThrow();
    expect((await client.send('/ok')).status).toBe(200);
    expect(metricValue(r.metrics(), `skiff_router_upstream_timeouts_total{${labels},release="v1"}`)).toBe(1);
  });
});

describe('retry budget', () => {
  it('stops retrying once retries exceed the budget, so an outage is not multiplied', async () => {
    const dead = [await refusedPort(), await refusedPort()].map((port, i) => ({ id: `dead${i}`, release: 'v1', host: '127.0.0.1', port }));
    const { router: r, client } = await router();
    // 0 % of traffic plus 0.2 per second over the 10 s window: 2 retries in all.
    await r.publish(
      table(1, [route({ retryBudget: { percent: 0, minPerSecond: 0.2 }, circuitBreaker: { consecutiveFailures: 0 }, hold: { timeoutMs: 0 }, backends: dead })]),
    );
    for (let i = 0; i < 6; i++) expect((await client.send('/')).status).toBe(502);
    expect(metricValue(r.metrics(), `skiff_router_retries_total{${labels},release="v1"}`)).toBe(2);
    expect(metricValue(r.metrics(), `skiff_router_connect_failures_total{${labels},release="v1"}`)).toBe(8);
  });
});

describe('circuit breaking', () => {
  it('ejects an instance after consecutive failures and probes it back after the ejection time', async () => {
    const flaky = await startSwitchableBackend('flaky');
    const good = await startSwitchableBackend('good');
    cleanups.push(() => flaky.close(), () => good.close());
    const { router: r, client } = await router();
    await r.publish(
      table(1, [
        route({ balance: 'round-robin', circuitBreaker: { consecutiveFailures: 3, ejectionMs: 400 }, backends: [flaky.backend, good.backend] }),
      ]),
    );
    flaky.failing = true;
    for (let i = 0; i < 12 && flaky.hits < 3; i++) await client.send('/');
    expect(flaky.hits).toBe(3);
    // Ejected: everything goes to the good instance.
    for (let i = 0; i < 10; i++) expect((await client.send('/')).status).toBe(200);
    expect(flaky.hits).toBe(3);

    flaky.failing = false;
    await waitFor(async () => (await client.send('/')).text === 'flaky', 5_000, 'the flaky instance to be probed back');
  });

  it('answers 503 with Retry-After when the service has too many requests in flight', async () => {
    const a = await backend('a');
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ circuitBreaker: { maxConcurrent: 2 }, backends: [a.asRouteBackend()] })]));
    const held = [client.send('/1', { headers: { 'x-hold': '1' } }), client.send('/2', { headers: { 'x-hold': '1' } })];
    await waitFor(() => a.heldCount() === 2, 5_000, 'two requests in flight');

    const refused = await client.send('/3');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ code: 'SKIFF_SERVICE_OVERLOADED' });

    a.releaseHeld();
    expect((await Promise.all(held)).map((answer) => answer.status)).toEqual([200, 200]);
    expect((await client.send('/4')).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('answers 429 past the token bucket, per client key', async () => {
    const a = await backend('a');
    const { router: r, client } = await router();
    await r.publish(
      table(1, [
        route({ id: 'dev/app/0', pathPrefix: '/by-address', rateLimit: { requestsPerSecond: 0.5, burst: 3 }, backends: [a.asRouteBackend()] }),
        route({ id: 'dev/app/1', pathPrefix: '/by-key', rateLimit: { requestsPerSecond: 0.5, burst: 2, header: 'X-Api-Key' }, backends: [a.asRouteBackend()] }),
      ]),
    );
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await client.send('/by-address')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await client.send('/by-address');
    expect(limited.json()).toMatchObject({ code: 'SKIFF_RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const key = (k: string) => client.send('/by-key', { headers: { 'x-api-key': k } }).then((answer) => answer.status);
    expect([await key('alice'), await key('alice'), await key('alice'), await key('bob')]).toEqual([200, 200, 429, 200]);
  });
});

describe('holding requests without a ready instance', () => {
  it('holds a request until a table brings an instance, and forwards it then', async () => {
    const a = await backend('a');
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ backends: [] })]));

    const waiting = client.send('/orders');
    await waitFor(() => metricValue(r.metrics(), 'skiff_router_held_requests') === 1, 5_000, 'the request to be held');
    await r.publish(table(2, [route({ backends: [a.asRouteBackend()] })]));
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ backend: 'a', url: '/orders' });
    expect(metricValue(r.metrics(), 'skiff_router_held_requests')).toBe(0);
  });

  for (const fastPath of [true, false]) {
    it(`holds a GET every instance refused until a table brings a live one, and a POST not (fast path ${fastPath ? 'on' : 'off'})`, async () => {
      const dead = [await refusedPort(), await refusedPort()].map((port, i) => ({ id: `dead${i}`, release: 'v1', host: '127.0.0.1', port }));
      const a = await backend('a');
      const started = await startRouter({ listenHost: '127.0.0.1', port: 0, drainTimeoutMs: 500, fastPath });
      const client = new TestClient(`http://127.0.0.1:${started.port}`);
      cleanups.push(() => started.close(), () => client.close());
      await started.publish(table(1, [route({ backends: dead })]));

      // Both instances are down at once (they crashed together): the request reached neither.
      const waiting = client.send('/orders');
      await waitFor(() => metricValue(started.metrics(), `skiff_router_retries_total{${labels},release="v1"}`) === 2, 5_000, 'both attempts to fail');
      const post = await client.send('/orders', { method: 'POST', body: 'x' });
      expect(post.status).toBe(502);
      // The control plane publishes the instance that came back.
      await started.publish(table(2, [route({ backends: [a.asRouteBackend()] })]));
      const answer = await waiting;
      expect(answer.status).toBe(200);
      expect(answer.json()).toMatchObject({ backend: 'a', url: '/orders' });
    });

    it(`answers 503 to a GET every instance refused once the hold time passed without one (fast path ${fastPath ? 'on' : 'off'})`, async () => {
      const dead = [await refusedPort(), await refusedPort()].map((port, i) => ({ id: `dead${i}`, release: 'v1', host: '127.0.0.1', port }));
      const started = await startRouter({ listenHost: '127.0.0.1', port: 0, drainTimeoutMs: 500, fastPath });
      const client = new TestClient(`http://127.0.0.1:${started.port}`);
      cleanups.push(() => started.close(), () => client.close());
      await started.publish(table(1, [route({ hold: { timeoutMs: 300 }, backends: dead })]));
      const answer = await client.send('/');
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.json()).toMatchObject({ code: 'SKIFF_NO_READY_INSTANCE' });
    });
  }

  it('bounds the queue and the hold time, then answers 503', async () => {
    const { router: r, client } = await router();
    await r.publish(table(1, [route({ hold: { timeoutMs: 300, maxPending: 1 }, backends: [] })]));

    const first = client.send('/1');
    await waitFor(() => metricValue(r.metrics(), 'skiff_router_held_requests') === 1, 5_000, 'the first request to be held');
    const second = await client.send('/2');
    expect(second.status).toBe(503);
    expect(second.json()).toMatchObject({ code: 'SKIFF_NO_READY_INSTANCE' });
    const expired = await first;
    expect(expired.status).toBe(503);
    expect(expired.headers['retry-after']).toBe('1');
  });
});
