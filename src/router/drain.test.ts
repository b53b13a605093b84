/**
 * Draining backends through the admin socket of a real router: the wait for in-flight requests
 * and upgraded connections to an instance that left the table, the timeout, idle connections
 * closed, and bad input.
 */
import { connect } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drainBackends, publishRouteTable } from './admin-client.js';
import type { RouterHandle } from './router.js';
import { route, table, TestClient, waitFor, type TestBackend } from './test-fixtures.js';
import { testScope } from './testing/test-scope.js';

const scope = testScope({ scratch: 'skiff-drain-' });
const { cleanups } = scope;

interface Setup {
  readonly router: RouterHandle;
  readonly socket: string;
  readonly client: TestClient;
  readonly a: TestBackend;
  readonly b: TestBackend;
}

/** A router whose only route starts with backend a alone. */
async function setup(): Promise<Setup> {
  const [a, b] = await scope.backends('a', 'b');
  const socket = join(scope.dir, 'router.sock');
  const { router, client } = await scope.router({ adminSocket: socket, drainTimeoutMs: 500 });
  await publishRouteTable(socket, table(1, [route({ backends: [a.asRouteBackend()] })]));
  return { router, socket, client, a, b };
}

function postRaw(socketPath: string, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'POST', path, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('draining backends', () => {
  it('waits for a slow request to a removed backend to finish, then closes its connections', async () => {
    const { socket, client, a, b } = await setup();
    // A keep-alive connection to a stays idle beside the slow request.
    expect((await client.send('/warm')).status).toBe(200);
    const slow = client.send('/slow', { headers: { 'x-hold': '1' } });
    await waitFor(() => a.heldCount() === 1, 5_000, 'the slow request to reach a');

    await publishRouteTable(socket, table(2, [route({ backends: [b.asRouteBackend()] })]));
    let result: Awaited<ReturnType<typeof drainBackends>> | undefined;
    const drain = drainBackends(socket, [{ host: '127.0.0.1', port: a.port }], 10_000).then((r) => (result = r));
    // New requests already go to b while the drain waits for a's request.
    expect((await client.send('/during')).json()).toMatchObject({ backend: 'b' });
    expect(result).toBeUndefined();

    a.releaseHeld();
    expect((await slow).status).toBe(200);
    await drain;
    expect(result).toMatchObject({ drained: true, inFlight: 0 });
    expect(result!.waitedMs).toBeGreaterThan(0);
    await waitFor(() => a.openConnections() === 0, 5_000, 'the router to close its connections to a');
  });

  it('answers drained false with the count in flight when the timeout passes first', async () => {
    const { socket, client, a, b } = await setup();
    const slow = client.send('/slow', { headers: { 'x-hold': '1' } });
    await waitFor(() => a.heldCount() === 1, 5_000, 'the slow request to reach a');
    await publishRouteTable(socket, table(2, [route({ backends: [b.asRouteBackend()] })]));

    const result = await drainBackends(socket, [{ host: '127.0.0.1', port: a.port }], 200);
    expect(result).toMatchObject({ drained: false, inFlight: 1 });
    expect(result.waitedMs).toBeGreaterThanOrEqual(200);
    a.releaseHeld();
    expect((await slow).status).toBe(200);
  });

  it('waits for an upgraded connection to the backend', async () => {
    const { router, socket, a, b } = await setup();
    const ws = connect(router.port, '127.0.0.1');
    cleanups.push(async () => ws.destroy());
    let received = '';
    ws.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    ws.on('error', () => {});
    ws.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    await waitFor(() => received.includes('a:'), 5_000, 'the upgrade');
    await publishRouteTable(socket, table(2, [route({ backends: [b.asRouteBackend()] })]));

    expect(await drainBackends(socket, [{ host: '127.0.0.1', port: a.port }], 150)).toMatchObject({ drained: false, inFlight: 1 });
    const drain = drainBackends(socket, [{ host: '127.0.0.1', port: a.port }], 10_000);
    ws.end();
    expect(await drain).toMatchObject({ drained: true, inFlight: 0 });
  });

  it('drains an address the router never used at once', async () => {
    const { socket } = await setup();
    expect(await drainBackends(socket, [{ host: '127.0.0.1', port: 1 }], 5_000)).toMatchObject({ drained: true, inFlight: 0 });
  });

  it('refuses a malformed drain request with the field path, changing nothing', async () => {
    const { socket, client } = await setup();
    const bad = await postRaw(socket, '/drain', JSON.stringify({ backends: [{ host: '127.0.0.1', port: 70000 }], timeoutMs: 10 }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'backends.0.port' });
    expect(JSON.parse(bad.body).hint).toMatch(/backends/);
    const missing = await postRaw(socket, '/drain', JSON.stringify({ backends: [] }));
    expect(JSON.parse(missing.body)).toMatchObject({ code: 'SKIFF_BAD_REQUEST', path: 'timeoutMs' });
    const notJson = await postRaw(socket, '/drain', '{');
    expect(notJson.status).toBe(400);
    await expect(drainBackends(socket, [{ host: '', port: 1 }], 10)).rejects.toMatchObject({ code: 'SKIFF_BAD_REQUEST' });
    expect((await client.send('/still')).status).toBe(200);
  });
});
