/**
 * Hostile and broken clients, spoken to with a raw TCP socket: each gets the right 4xx or a
 * closed connection, nothing reaches the instance that should not, and the router keeps serving.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRouter, type RouterHandle } from './router.js';
import { metricValue, route, startBackend, table, TestClient, waitFor, type TestBackend } from './test-fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  readonly router: RouterHandle;
  readonly backend: TestBackend;
  readonly client: TestClient;
}

async function setup(): Promise<Setup> {
  const backend = await startBackend('a');
  const router = await startRouter({ listenHost: '127.0.0.1', port: 0, drainTimeoutMs: 500, headersTimeoutMs: 400 });
  const client = new TestClient(`http://127.0.0.1:${router.port}`);
  cleanups.push(() => backend.kill(), () => router.close(), () => client.close());
  await router.publish(table(1, [route({ maxBodyBytes: 1_000, backends: [backend.asRouteBackend()] })]));
  return { router, backend, client };
}

/** Opens a raw connection; `received()` is everything read so far, `closed` resolves when the router closes it. */
function raw(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  cleanups.push(async () => socket.destroy());
  return { socket, received: () => text, closed };
}

/** Sends `bytes` and waits for the router to close the connection; returns what it answered. */
async function exchange(port: number, bytes: string): Promise<string> {
  const connection = raw(port);
  connection.socket.write(bytes);
  await Promise.race([connection.closed, new Promise((_, reject) => setTimeout(() => reject(new Error(`not closed; got: ${connection.received()}`)), 5_000))]);
  return connection.received();
}

async function stillServes(client: TestClient): Promise<void> {
  const answer = await client.send('/after');
  expect(answer.status).toBe(200);
}

describe('bad input', () => {
  it('answers 400 to malformed request lines and headers', async () => {
    const { router, client } = await setup();
    expect(await exchange(router.port, 'GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await exchange(router.port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: y\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await exchange(router.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Ctl: a\u0001b\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(metricValue(router.metrics(), 'skiff_router_rejected_requests_total{reason="malformed"}')).toBe(3);
    await stillServes(client);
  });

  it('answers 431 to oversized headers and 413 to bodies past the route limit', async () => {
    const { router, backend, client } = await setup();
    const huge = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    expect(await exchange(router.port, huge)).toMatch(/^HTTP\/1\.1 431 /);

    const declared = await exchange(router.port, `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n${'b'.repeat(5000)}`);
    expect(declared).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared).toContain('SKIFF_BODY_TOO_LARGE');

    const chunk = 'c'.repeat(800);
    const chunked = await exchange(
      router.port,
      `POST /upload-chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${(chunk.length.toString(16) + '\r\n' + chunk + '\r\n').repeat(3)}0\r\n\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 413 /);
    expect(backend.seen.filter((s) => s.url === '/upload')).toHaveLength(0);
    await stillServes(client);
  });

  it('refuses conflicting Content-Length and Transfer-Encoding, so nothing is smuggled', async () => {
    const { router, backend, client } = await setup();
    const smuggle =
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
    expect(await exchange(router.port, smuggle)).toMatch(/^HTTP\/1\.1 400 /);
    const twoLengths = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc';
    expect(await exchange(router.port, twoLengths)).toMatch(/^HTTP\/1\.1 400 /);
    await stillServes(client);
    expect(backend.seen.map((s) => s.url)).toEqual(['/after']);
  });

  it('times out a client that sends its headers byte by byte, while serving others', async () => {
    const { router, client } = await setup();
    const slow = raw(router.port);
    slow.socket.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    // One more byte of the never-ending header every 50 ms.
    const drip = setInterval(() => {
      if (!slow.socket.destroyed) slow.socket.write('a');
    }, 50);
    cleanups.push(async () => clearInterval(drip));
    await stillServes(client);
    await slow.closed;
    clearInterval(drip);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    await stillServes(client);
  });

  it('survives clients that disconnect mid-request and mid-response, leaking nothing in flight', async () => {
    const { router, backend, client } = await setup();
    for (let i = 0; i < 20; i++) {
      const partial = raw(router.port);
      partial.socket.write('PUT /items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\nonly a few bytes');
      partial.socket.destroy();
      const reader = raw(router.port);
      reader.socket.write('GET /big?bytes=20000000 HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(() => reader.received().length > 0, 5_000, 'the first bytes of the answer');
      reader.socket.destroy();
    }
    await stillServes(client);
    const labels = 'route="dev/app/0",service="app",environment="dev"';
    await waitFor(() => metricValue(router.metrics(), `skiff_router_in_flight_requests{${labels},release="v1"}`) === 0, 5_000, 'no request left in flight');
    expect(backend.seen.some((s) => s.url === '/items/1')).toBe(false);
  });
});
