/**
 * A parallel run through a real router: two trusted v1 instances (one adds a random request id
 * and a timestamp to every answer) and a v2 candidate that differs on one endpoint only.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RouteBackend, RouteTable } from '../../core/route-table.js';
import { fetchParallelReport, publishRouteTable, resetParallel } from '../admin-client.js';
import { route, table, TestClient, waitFor } from '../test-fixtures.js';
import { testScope } from '../testing/test-scope.js';

const scope = testScope({ scratch: 'skiff-parallel-' });
const { cleanups } = scope;

interface Shop {
  readonly backend: RouteBackend;
  /** Method and path of every request, copies included. */
  readonly seen: string[];
}

const catalog = [
  { id: 1, name: 'tea', price: 3 },
  { id: 2, name: 'coffee', price: 4 },
];

/** The shop service: `noisy` adds per-answer ids and times; `v2` changes prices only. */
async function shop(name: string, release: string, options: { noisy?: boolean; v2?: boolean } = {}): Promise<Shop> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(`${req.method} ${url.pathname}`);
      let body: Record<string, unknown>;
      if (req.method === 'POST') body = { ordered: true };
      else if (url.pathname === '/products') body = { items: catalog, meta: { generatedAt: Date.now() + Math.random() } };
      else if (url.pathname.startsWith('/products/')) body = catalog.find((item) => `/products/${item.id}` === url.pathname) ?? {};
      else if (url.pathname === '/prices') body = { currency: url.searchParams.get('currency'), items: catalog.map(({ id, price }) => ({ id, price: options.v2 ? price + 1 : price })) };
      else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('shop is open');
        return;
      }
      if (options.noisy) body = { ...body, requestId: randomUUID(), timestamp: new Date().toISOString() };
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { backend: { id: name, release, host: '127.0.0.1', port: (server.address() as AddressInfo).port }, seen };
}

async function setup(): Promise<{ socket: string; client: TestClient; v1a: Shop; v1b: Shop; v2: Shop; backends: RouteBackend[] }> {
  const [v1a, v1b, v2] = await Promise.all([shop('v1a', 'v1', { noisy: true }), shop('v1b', 'v1'), shop('v2a', 'v2', { v2: true })]);
  const socket = join(scope.dir, 'router.sock');
  const { client } = await scope.router({ adminSocket: socket, drainTimeoutMs: 500 });
  return { socket, client, v1a, v1b, v2, backends: [v1a.backend, v1b.backend, v2.backend] };
}

/** As the control plane sends it: the mirror's methods left to the router's default. */
function mirrored(version: number, backends: RouteBackend[], percent: number): RouteTable {
  const mirror = { candidateRelease: 'v2', percent, compareHeaders: ['content-type'], ignoreFields: ['meta.generatedAt'] };
  return table(version, [route({ pathPrefix: '/shop', stripPrefix: true, mirror: mirror as never, backends })]);
}

describe('parallel run', () => {
  it('reports the one endpoint where the candidate differs and filters the trusted release’s own noise', async () => {
    const { socket, client, v2, backends } = await setup();
    await publishRouteTable(socket, mirrored(1, backends, 100));

    const paths = ['/shop/products', '/shop/products/1', '/shop/prices?currency=eur', '/shop/about'];
    const served: string[] = [];
    const failures: string[] = [];
    for (let round = 0; round < 25; round++) {
      const answers = await Promise.all(paths.map((path) => client.send(path)));
      for (const answer of answers) {
        if (answer.status !== 200) failures.push(`${answer.status} ${answer.text}`);
        served.push(String(answer.headers['x-skiff-instance']));
      }
      const order = await client.send('/shop/orders', { method: 'POST', body: '{"id":1}', headers: { 'content-type': 'application/json' } });
      expect(order.json()).toMatchObject({ ordered: true });
      expect(['v1a', 'v1b']).toContain(order.headers['x-skiff-instance']);
    }
    expect(failures).toEqual([]);
    // Clients only ever got the trusted release's answers.
    expect(new Set(served)).toEqual(new Set(['v1a', 'v1b']));

    await waitFor(async () => (await fetchParallelReport(socket)).routes[0]?.compared === 100, 10_000, 'all 100 copies compared');
    const [report] = (await fetchParallelReport(socket)).routes;
    expect(report).toMatchObject({ candidateRelease: 'v2', mirrored: 100, compared: 100, matched: 75, matchRate: 0.75, dropped: 0 });
    expect(report!.noiseCompared).toBe(100);
    expect(report!.noiseKeys).toEqual(['body:requestId', 'body:timestamp']);

    const differing = report!.endpoints.filter((endpoint) => endpoint.differing > 0);
    expect(differing.map((endpoint) => endpoint.endpoint)).toEqual(['GET /prices']);
    expect(differing[0]).toMatchObject({ compared: 25, differing: 25, matchRate: 0 });
    expect(differing[0]!.differences.map((d) => d.key)).toEqual(['body:items.*.price']);
    expect(differing[0]!.differences[0]).toMatchObject({ candidateCount: 25, candidateRate: 1, noiseRate: 0 });
    expect(differing[0]!.differences[0]!.samples[0]).toEqual({ path: '/prices?currency=eur', trusted: '3', candidate: '4' });
    expect(report!.endpoints.map((endpoint) => [endpoint.endpoint, endpoint.compared])).toEqual([
      ['GET /prices', 25],
      ['GET /about', 25],
      ['GET /products', 25],
      ['GET /products/1', 25],
    ]);

    // POST is not a default mirrored method: nothing was done twice.
    expect(v2.seen.filter((line) => line.startsWith('POST'))).toEqual([]);
    expect(v2.seen).toHaveLength(100);
  });

  it('copies exactly the configured share, and resets on request', async () => {
    const { socket, client, v2, backends } = await setup();
    await publishRouteTable(socket, mirrored(1, backends, 10));
    for (let i = 0; i < 50; i++) expect((await client.send(`/shop/products/${(i % 2) + 1}`)).status).toBe(200);
    await waitFor(async () => (await fetchParallelReport(socket)).routes[0]?.compared === 5, 10_000, 'five copies compared');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetchParallelReport(socket)).routes[0]).toMatchObject({ mirrored: 5, compared: 5, matchRate: 1 });
    expect(v2.seen).toHaveLength(5);

    await expect(resetParallel(socket, '')).rejects.toMatchObject({ code: 'SKIFF_BAD_REQUEST' });
    expect((await fetchParallelReport(socket)).routes).toHaveLength(1);
    await resetParallel(socket, 'dev/other/0');
    expect((await fetchParallelReport(socket)).routes).toHaveLength(1);
    await resetParallel(socket);
    expect((await fetchParallelReport(socket)).routes).toEqual([]);
  });

  it('replays the body of a mirrored method named by the route, and skips bodies beyond 1 MiB', async () => {
    const [a, c] = await scope.backends('a', 'c');
    const socket = join(scope.dir, 'router.sock');
    const { client } = await scope.router({ adminSocket: socket, drainTimeoutMs: 500 });
    const mirror = { candidateRelease: 'v2', percent: 100, methods: ['POST'], compareHeaders: [], ignoreFields: ['backend'] };
    await publishRouteTable(socket, table(1, [route({ mirror, backends: [a.asRouteBackend('v1'), c.asRouteBackend('v2')] })]));

    const small = await client.send('/orders', { method: 'POST', body: '{"qty":2}', headers: { 'content-type': 'application/json' } });
    expect(small.json()).toMatchObject({ backend: 'a', body: '{"qty":2}' });
    const big = 'x'.repeat(1024 * 1024 + 1);
    expect((await client.send('/orders', { method: 'POST', body: big })).json()).toMatchObject({ backend: 'a' });
    expect((await client.send('/orders')).status).toBe(200);

    await waitFor(async () => (await fetchParallelReport(socket)).routes[0]?.compared === 1, 10_000, 'the copy compared');
    expect(c.seen.map((seen) => [seen.method, seen.body])).toEqual([['POST', '{"qty":2}']]);
    expect(c.seen[0]!.headers['x-skiff-mirror']).toBe('candidate');
    expect((await fetchParallelReport(socket)).routes[0]).toMatchObject({ mirrored: 1, compared: 1, matched: 1, noiseCompared: 0 });
  });
});
