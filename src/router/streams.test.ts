/** Long-lived exchanges through the router: WebSocket upgrades, Server-Sent Events, and draining them. */
import { connect, type Socket } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startRouter } from './router.js';
import { route, startBackend, table, waitFor } from './test-fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function upgrade(port: number, path: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
  cleanups.push(async () => socket.destroy());
  return { socket, received: () => text, closed };
}

describe('streams', () => {
  it('passes WebSocket upgrades through both ways, with forwarding headers, and drains them on close', async () => {
    const a = await startBackend('a');
    const router = await startRouter({ listenHost: '127.0.0.1', port: 0, drainTimeoutMs: 600 });
    cleanups.push(() => a.kill(), () => router.close());
    await router.publish(table(1, [route({ pathPrefix: '/ws', stripPrefix: true, backends: [a.asRouteBackend()] })]));

    const ws = upgrade(router.port, '/ws/chat');
    await waitFor(() => ws.received().includes('a:'), 5_000, 'the 101 answer');
    expect(ws.received()).toMatch(/^HTTP\/1\.1 101 /);
    ws.socket.write('ping-1');
    await waitFor(() => ws.received().endsWith('a:ping-1'), 5_000, 'the echo');
    const seen = a.seen.at(-1)!;
    expect(seen.url).toBe('/chat');
    expect(seen.headers.upgrade).toBe('websocket');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-request-id']).toMatch(/.+/);

    // Closing the router waits for the open WebSocket (it keeps working) up to the drain timeout.
    let closed = false;
    const closing = router.close().then(() => (closed = true));
    ws.socket.write('ping-2');
    await waitFor(() => ws.received().endsWith('ping-2'), 5_000, 'the echo while draining');
    expect(closed).toBe(false);
    await closing;
    await ws.closed;
  });

  it('streams Server-Sent Events as they come, without waiting for the end', async () => {
    const a = await startBackend('a');
    const router = await startRouter({ listenHost: '127.0.0.1', port: 0, drainTimeoutMs: 500 });
    cleanups.push(() => a.kill(), () => router.close());
    await router.publish(table(1, [route({ backends: [a.asRouteBackend()] })]));

    const res = await request(`http://127.0.0.1:${router.port}/sse`, { headers: { accept: 'text/event-stream' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    const chunks: string[] = [];
    const reading = (async () => {
      for await (const chunk of res.body) chunks.push(String(chunk));
    })();
    await waitFor(() => chunks.join('').includes('data: hello from a'), 5_000, 'the first event');
    expect(chunks.join('')).not.toContain('bye');
    a.releaseHeld();
    await reading;
    expect(chunks.join('')).toBe('data: hello from a\n\ndata: bye\n\n');
  });

  it('removes hop-by-hop request headers, including those named in Connection', async () => {
    const a = await startBackend('a');
    const router = await startRouter({ listenHost: '127.0.0.1', port: 0 });
    cleanups.push(() => a.kill(), () => router.close());
    await router.publish(table(1, [route({ backends: [a.asRouteBackend()] })]));
    // A raw request: HTTP clients refuse to send some of these headers themselves.
    const socket = connect(router.port, '127.0.0.1');
    socket.on('error', () => {});
    cleanups.push(async () => socket.destroy());
    socket.write(
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, x-private\r\nX-Private: secret\r\nProxy-Authorization: Basic eA==\r\nTE: trailers\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n',
    );
    await waitFor(() => a.seen.length === 1, 5_000, 'the request to reach the backend');
    const seen = a.seen[0]!.headers;
    expect(seen['x-private']).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
  });
});
