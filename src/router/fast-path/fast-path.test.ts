/**
 * The fast path end to end, against scripted raw backends on 127.0.0.1: keep-alive reuse on both
 * sides, pipelining, the hand-off to node:http in the middle of a connection, every answer framing,
 * odd answers, and connections the instance closes under a request.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../core/route-table.js';
import { DataPlane } from '../data-plane.js';
import { createDataServer, type DataServer } from '../data-server.js';
import { renderPrometheus } from '../metrics.js';
import { metricValue, refusedPort, route, startBackend, table, TestClient, waitFor } from '../test-fixtures.js';
import { get, lengthAnswer, rawClient, startRawBackend, type RawBackend, type RawRequest } from './raw-fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const silent = { info() {}, warn() {}, error() {} };

interface Setup {
  readonly plane: DataPlane;
  readonly data: DataServer;
  readonly port: number;
  readonly stats: NonNullable<DataServer['fastPath']>;
  metric(name: string): number | undefined;
}

async function router(routes: readonly RouteEntry[], fastPath = true, headersTimeoutMs = 2_000): Promise<Setup> {
  const plane = new DataPlane({ logger: silent });
  plane.apply(table(1, routes));
  const data = createDataServer(plane, { fastPath, headersTimeoutMs });
  const port = await data.listen(0, '127.0.0.1');
  cleanups.push(async () => {
    plane.draining = true;
    await data.drain(500);
    await plane.close(0);
  });
  const stats = data.fastPath ?? { connections: 0, requests: 0, handoffs: 0 };
  const labels = 'route="dev/app/0",service="app",environment="dev",release="v1"';
  return { plane, data, port, stats, metric: (name) => metricValue(renderPrometheus(plane.metrics.snapshot()), `${name}{${labels}}`) };
}

async function rawBackend(answer: (request: RawRequest, socket: Socket) => void): Promise<RawBackend> {
  const backend = await startRawBackend(answer);
  cleanups.push(() => backend.close());
  return backend;
}

function client(port: number): ReturnType<typeof rawClient> {
  const started = rawClient(port);
  cleanups.push(async () => started.socket.destroy());
  return started;
}

const hopByHop = 'Connection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\n';
const at = (backend: RawBackend) => ({ id: 'i1', release: 'v1', host: '127.0.0.1', port: backend.port });

describe('fast path', () => {
  it('serves keep-alive requests over one pooled upstream connection, with the rewritten head', async () => {
    const backend = await rawBackend((request, socket) => socket.write(lengthAnswer(`seen ${request.url}`, '200 OK', hopByHop)));
    const r = await router([route({ pathPrefix: '/api', stripPrefix: true, backends: [at(backend)] })]);
    const c = client(r.port);
    const extra = ['X-Request-Id: mine\r\n', 'X-Forwarded-For: 10.0.0.1\r\nProxy-Authorization: x\r\nTE: trailers\r\n', '', 'Connection: keep-alive\r\n', ''];
    for (const [i, headers] of extra.entries()) {
      c.send(get(`/api/items/${i}?q=1`, headers));
      const [answer] = await c.answers(1);
      expect(answer).toMatchObject({ status: 200, body: `seen /items/${i}?q=1` });
      expect(answer!.headers).toMatchObject({ 'x-skiff-instance': 'i1', 'content-length': String(`seen /items/${i}?q=1`.length) });
      expect(answer!.headers['x-secret'] ?? answer!.headers['keep-alive'] ?? answer!.headers.connection).toBeUndefined();
    }
    expect(backend.connections()).toBe(1);
    expect(r.stats).toMatchObject({ connections: 1, requests: 5, handoffs: 0 });
    const [first, second, third] = backend.requests;
    expect(first!.headers).toMatchObject({ host: 'app.test', 'x-request-id': 'mine', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'app.test' });
    expect(second!.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(second!.headers['proxy-authorization'] ?? second!.headers.te).toBeUndefined();
    expect(third!.headers['x-request-id']).toMatch(/.+/);
    expect(third!.headers['x-request-id']).not.toBe(backend.requests[4]!.headers['x-request-id']);
    expect(r.metric('skiff_router_requests_total')).toBe(5);
    expect(r.metric('skiff_router_in_flight_requests')).toBe(0);
  });

  it('answers pipelined requests in order, and heads split across reads', async () => {
    const backend = await rawBackend((request, socket) => {
      // The first answer is the slowest: order must come from the router, not from timing.
      setTimeout(() => socket.write(lengthAnswer(request.url)), request.url === '/1' ? 50 : 0);
    });
    const r = await router([route({ backends: [at(backend)] })]);
    const c = client(r.port);
    c.send(get('/1') + get('/2') + get('/3', '', 'HEAD') + get('/4'));
    const answers = await c.answers(4, [false, false, true, false]);
    expect(answers.map((a) => a.body)).toEqual(['/1', '/2', '', '/4']);

    const head = get('/split', 'Accept: */*\r\n');
    c.send(head.slice(0, 20));
    await waitFor(() => r.stats.connections === 1, 1_000, 'the first part to be read');
    c.send(head.slice(20));
    expect((await c.answers(1))[0]!.body).toBe('/split');
    expect(r.stats).toMatchObject({ requests: 5, handoffs: 0 });
  });

  it('hands a connection to node:http at the first request it does not serve, with the bytes already read', async () => {
    const backend = await rawBackend((request, socket) => socket.write(lengthAnswer(`${request.method} ${request.url} ${request.body}`)));
    const r = await router([route({ backends: [at(backend)] })]);
    const c = client(r.port);
    c.send(get('/a'));
    expect((await c.answers(1))[0]!.body).toBe('GET /a ');
    // Pipelined in one write: a fast request, then one with a body, then one more.
    c.send(`${get('/b')}POST /c HTTP/1.1\r\nHost: app.test\r\nContent-Length: 3\r\n\r\nxyz${get('/d')}`);
    const answers = await c.answers(3);
    expect(answers.map((a) => a.body)).toEqual(['GET /b ', 'POST /c xyz', 'GET /d ']);
    c.send(get('/e'));
    expect((await c.answers(1))[0]!.body).toBe('GET /e ');
    expect(r.stats).toMatchObject({ requests: 2, handoffs: 1 });

    // Upgrades and unusual requests go to node:http from the first request.
    const other = client(r.port);
    other.send('GET / HTTP/1.0\r\nHost: app.test\r\n\r\n');
    expect((await other.answers(1))[0]!.status).toBe(200);
    expect(r.stats).toMatchObject({ requests: 2, handoffs: 2 });
  });

  it('passes every answer framing through and keeps both connections usable', async () => {
    const backend = await rawBackend((request, socket) => {
      switch (request.url) {
        case '/chunked':
          socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
          setTimeout(() => socket.write('6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n'), 20);
          return;
        case '/until-close':
          socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nstreamed until close');
          return;
        case '/head':
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n');
          return;
        case '/no-content':
          socket.write('HTTP/1.1 204 No Content\r\n\r\n');
          return;
        case '/not-modified':
          socket.write('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n');
          return;
        case '/hints':
          socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n');
          setTimeout(() => socket.write(lengthAnswer('after hints')), 20);
          return;
        default:
          socket.write(lengthAnswer('plain'));
      }
    });
    const r = await router([route({ backends: [at(backend)] })]);
    const c = client(r.port);
    const ask = async (path: string, method = 'GET') => {
      c.send(get(path, '', method));
      return (await c.answers(1, [method === 'HEAD']))[0]!;
    };
    expect(await ask('/length')).toMatchObject({ status: 200, body: 'plain' });
    expect(await ask('/chunked')).toMatchObject({ status: 200, body: 'hello world', headers: { 'transfer-encoding': 'chunked' } });
    expect(await ask('/head', 'HEAD')).toMatchObject({ status: 200, body: '', headers: { 'content-length': '1234' } });
    expect(await ask('/no-content')).toMatchObject({ status: 204 });
    expect(await ask('/not-modified')).toMatchObject({ status: 304, headers: { etag: '"x"' } });
    expect(await ask('/hints')).toMatchObject({ status: 200, body: 'after hints' });
    expect(backend.connections()).toBe(1);
    // Delimited by the instance closing: re-chunked for the client, whose connection stays open.
    expect(await ask('/until-close')).toMatchObject({ status: 200, body: 'streamed until close', headers: { 'transfer-encoding': 'chunked' } });
    expect(await ask('/length')).toMatchObject({ status: 200, body: 'plain' });
    expect(backend.connections()).toBe(2);
    expect(c.isClosed()).toBe(false);
    expect(r.stats).toMatchObject({ connections: 1, requests: 8, handoffs: 0 });
    expect(r.metric('skiff_router_response_bytes_total')).toBe('plain'.length * 2 + 'hello world'.length + 'after hints'.length + 'streamed until close'.length);
  });

  it('leaves routes with weights, release matches, mirroring or a rate limit to node:http', async () => {
    const backend = await rawBackend((request, socket) => socket.write(lengthAnswer(request.url)));
    const plain = { backends: [at(backend)] };
    const r = await router([
      route({ ...plain, id: 'dev/app/1', pathPrefix: '/weights', weights: { v1: 100 } }),
      route({ ...plain, id: 'dev/app/2', pathPrefix: '/matches', releaseMatches: [{ match: { kind: 'header', name: 'x-canary', value: '1' }, release: 'v1' }] }),
      route({
        ...plain,
        id: 'dev/app/3',
        pathPrefix: '/mirror',
        mirror: { candidateRelease: 'v2', percent: 100, methods: ['GET'], compareHeaders: [], ignoreFields: [] },
      }),
      route({ ...plain, id: 'dev/app/4', pathPrefix: '/limited', rateLimit: { requestsPerSecond: 100 } }),
      route({ id: 'dev/app/5', pathPrefix: '/bad-id', backends: [{ ...at(backend), id: 'i1\r\nx-injected: 1' }] }),
      route({ ...plain, id: 'dev/app/0', pathPrefix: '/' }),
    ]);
    for (const [i, path] of ['/weights', '/matches', '/mirror', '/limited', '/bad-id'].entries()) {
      const c = client(r.port);
      c.send(get(path));
      const [answer] = await c.answers(1);
      expect(answer!.headers['x-injected']).toBeUndefined();
      expect(r.stats).toMatchObject({ requests: 0, handoffs: i + 1 });
    }
    const c = client(r.port);
    c.send(get('/plain'));
    expect((await c.answers(1))[0]!.body).toBe('/plain');
    expect(r.stats).toMatchObject({ requests: 1, handoffs: 5 });
  });

  it('answers 408 to a connection that sends nothing, and lets node:http time out a head that stalls', async () => {
    const backend = await rawBackend((request, socket) => socket.write(lengthAnswer(request.url)));
    const r = await router([route({ backends: [at(backend)] })], true, 300);
    const silentClient = client(r.port);
    const stalled = client(r.port);
    stalled.send('GET /never HTTP/1.1\r\nHost: app.test\r\nX-Half: ');
    await Promise.all([silentClient.closed, stalled.closed]);
    expect(silentClient.rest()).toMatch(/^HTTP\/1\.1 408 /);
    expect(stalled.rest()).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.stats).toMatchObject({ requests: 0, handoffs: 1 });
    const text = renderPrometheus(r.plane.metrics.snapshot());
    expect(metricValue(text, 'skiff_router_rejected_requests_total{reason="timeout"}')).toBe(2);
    expect(backend.requests).toHaveLength(0);
  });

  it('answers 502 to a malformed answer, closes that upstream connection, and goes on', async () => {
    const backend = await rawBackend((request, socket) => {
      if (request.url === '/garbage') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc');
      else if (request.url === '/upgrade') socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n');
      else socket.write(lengthAnswer('fine'));
    });
    const r = await router([route({ retryMethods: [], backends: [at(backend)] })]);
    const c = client(r.port);
    for (const path of ['/garbage', '/upgrade']) {
      c.send(get(path));
      const [answer] = await c.answers(1);
      expect(answer!.status).toBe(502);
      expect(JSON.parse(answer!.body)).toMatchObject({ code: 'SKIFF_UPSTREAM_UNAVAILABLE' });
    }
    c.send(get('/next'));
    expect((await c.answers(1))[0]).toMatchObject({ status: 200, body: 'fine' });
    expect(backend.connections()).toBe(3);
    expect(r.metric('skiff_router_connect_failures_total')).toBe(0);
  });

  it('retries GET and HEAD transparently when the instance closed a kept-alive connection under them, and not POST', async () => {
    // Every connection answers its first request and is closed by the instance at its second.
    const backend = await rawBackend((request, socket) => {
      const answer = lengthAnswer(`${request.method} ${request.url} on ${request.connection}`);
      if (request.indexOnConnection > 1) socket.destroy();
      else socket.write(request.method === 'HEAD' ? answer.slice(0, answer.indexOf('\r\n\r\n') + 4) : answer);
    });
    const r = await router([route({ retryMethods: ['GET', 'HEAD'], backends: [at(backend)] })]);
    const c = client(r.port);
    const ask = async (path: string, method = 'GET') => {
      c.send(get(path, method === 'POST' ? 'Content-Length: 0\r\n' : '', method));
      return (await c.answers(1, [method === 'HEAD']))[0]!;
    };
    expect(await ask('/1')).toMatchObject({ status: 200, body: 'GET /1 on 1' });
    expect(await ask('/2')).toMatchObject({ status: 200, body: 'GET /2 on 2' });
    expect(await ask('/3', 'HEAD')).toMatchObject({ status: 200 });
    expect(r.metric('skiff_router_retries_total')).toBe(2);
    const post = await ask('/4', 'POST');
    expect(post.status).toBe(502);
    expect(JSON.parse(post.body)).toMatchObject({ code: 'SKIFF_UPSTREAM_UNAVAILABLE' });
    expect(r.metric('skiff_router_retries_total')).toBe(2);
    expect(r.stats).toMatchObject({ requests: 4, handoffs: 0 });
  });

  it('drops a pooled connection the instance closed while idle, so the next request needs no retry', async () => {
    const backend = await rawBackend((request, socket) => socket.end(lengthAnswer(request.url)));
    const r = await router([route({ backends: [at(backend)] })]);
    const c = client(r.port);
    c.send(get('/1'));
    expect((await c.answers(1))[0]!.body).toBe('/1');
    await waitFor(() => backend.closedConnections() === 1, 5_000, 'the instance to close its connection');
    c.send(get('/2'));
    expect((await c.answers(1))[0]!.body).toBe('/2');
    expect(r.metric('skiff_router_retries_total')).toBe(0);
    expect(r.metric('skiff_router_connect_failures_total')).toBe(0);
  });

  it('cuts the client connection when the instance stops answering mid-body past the idle timeout', async () => {
    const backend = await rawBackend((_request, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part'));
    const r = await router([route({ timeouts: { idleMs: 200 }, backends: [at(backend)] })]);
    const c = client(r.port);
    c.send(get('/stall'));
    await c.closed;
    expect(c.rest()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*only part$/);
    expect(r.metric('skiff_router_upstream_timeouts_total')).toBe(1);
    expect(r.metric('skiff_router_in_flight_requests')).toBe(0);
  });

  it('does not count a slow reader against the instance: the idle timeout waits while the client is full', async () => {
    const body = 'z'.repeat(8 * 1024 * 1024);
    const backend = await rawBackend((_request, socket) => socket.write(lengthAnswer(body)));
    const r = await router([route({ timeouts: { idleMs: 150 }, backends: [at(backend)] })]);
    const c = client(r.port);
    c.socket.pause();
    c.send(get('/big'));
    // The client reads nothing for longer than the idle timeout, then reads on.
    await new Promise((resolve) => setTimeout(resolve, 600));
    c.socket.resume();
    const [answer] = await c.answers(1);
    expect(answer!.body.length).toBe(body.length);
    expect(r.metric('skiff_router_upstream_timeouts_total')).toBe(0);
  });
});

describe('fast path and node:http path', () => {
  it('count the same metrics for the same traffic', async () => {
    const rendered: string[] = [];
    for (const fastPath of [true, false]) {
      const good = await startBackend('good');
      cleanups.push(() => good.kill());
      const dead = { id: 'dead', release: 'v1', host: '127.0.0.1', port: await refusedPort() };
      const r = await router(
        [route({ balance: 'round-robin', circuitBreaker: { consecutiveFailures: 0 }, backends: [dead, good.asRouteBackend()] })],
        fastPath,
      );
      const http = new TestClient(`http://127.0.0.1:${r.port}`);
      cleanups.push(() => http.close());
      for (const path of ['/ok', '/status/500', '/status/404', '/big?bytes=70000', '/status/204', '/ok']) {
        await http.send(path);
        await http.send(path, { method: 'HEAD' });
      }
      expect(r.stats.requests > 0).toBe(fastPath);
      rendered.push(
        renderPrometheus(r.plane.metrics.snapshot())
          .split('\n')
          .filter((line) => !line.includes('_duration_seconds'))
          .join('\n'),
      );
    }
    expect(rendered[0]).toContain('skiff_router_retries_total{route="dev/app/0",service="app",environment="dev",release="v1"} 12');
    expect(rendered[0]).toBe(rendered[1]);
  });
});
