/**
 * Clients that half-close (shut down their write side) right after sending complete requests:
 * `nc -N`, HTTP/1.0 tools, scripts. Each must get every answer, in order, on the raw-socket fast
 * path and on the node:http path alike, and only then see the connection close.
 */
import { describe, expect, it } from 'vitest';
import { get, rawClient } from './fast-path/raw-fixtures.js';
import { route, table } from './test-fixtures.js';
import { testScope } from './testing/test-scope.js';

const scope = testScope();

async function setup(fastPath: boolean): Promise<{ port: number; seen: () => string[] }> {
  const [backend] = await scope.backends('a');
  const { router } = await scope.router({ fastPath });
  await router.publish(table(1, [route({ backends: [backend.asRouteBackend()] })]));
  return { port: router.port, seen: () => backend.seen.map((s) => `${s.method} ${s.url} ${s.body}`) };
}

/** Sends `bytes`, half-closes, and reads `count` answers; the router must then close. */
async function halfClosed(port: number, bytes: string, count: number): Promise<{ status: number; url: string; body: string }[]> {
  const c = rawClient(port);
  scope.cleanups.push(async () => c.socket.destroy());
  c.send(bytes);
  c.socket.end();
  const answers = await c.answers(count);
  await c.closed;
  return answers.map((a) => ({ status: a.status, ...(JSON.parse(a.body) as { url: string; body: string }) }));
}

const post = (path: string, body: string, headers = ''): string =>
  `POST ${path} HTTP/1.1\r\nHost: app.test\r\nContent-Length: ${body.length}\r\n${headers}\r\n${body}`;

describe.each([
  ['fast path', true],
  ['node:http path', false],
])('half-closed clients (%s)', (_name, fastPath) => {
  it('get the answer to a POST sent with Connection: close', async () => {
    const { port, seen } = await setup(fastPath);
    expect(await halfClosed(port, post('/x', 'abc', 'Connection: close\r\n'), 1)).toMatchObject([{ status: 200, url: '/x', body: 'abc' }]);
    expect(seen()).toEqual(['POST /x abc']);
  });

  it('get the answer to an HTTP/1.0 GET', async () => {
    const { port } = await setup(fastPath);
    expect(await halfClosed(port, 'GET /old HTTP/1.0\r\nHost: app.test\r\n\r\n', 1)).toMatchObject([{ status: 200, url: '/old' }]);
  });

  it('get every answer to pipelined requests, with and without bodies, in order', async () => {
    const { port, seen } = await setup(fastPath);
    const answers = await halfClosed(port, get('/a') + get('/b') + post('/c', 'c1') + get('/d') + post('/e', 'e1'), 5);
    expect(answers.map((a) => `${a.status} ${a.url} ${a.body}`)).toEqual(['200 /a ', '200 /b ', '200 /c c1', '200 /d ', '200 /e e1']);
    // node:http forwards pipelined requests at once: the instance may see them in any order.
    expect(seen().sort()).toEqual(['GET /a ', 'GET /b ', 'GET /d ', 'POST /c c1', 'POST /e e1']);
  });

  it('get a 400, not a silent close, when they half-close in the middle of a head', async () => {
    const { port, seen } = await setup(fastPath);
    const c = rawClient(port);
    scope.cleanups.push(async () => c.socket.destroy());
    c.send('GET /cut HTTP/1.1\r\nHost: app.test\r\nX-Half: ');
    c.socket.end();
    const [answer] = await c.answers(1);
    expect(answer).toMatchObject({ status: 400, headers: { connection: 'close' } });
    expect(JSON.parse(answer!.body)).toMatchObject({ code: 'SKIFF_BAD_REQUEST' });
    await c.closed;
    expect(seen()).toEqual([]);
  });

  it('get the answer to a keep-alive GET', async () => {
    const { port } = await setup(fastPath);
    expect(await halfClosed(port, get('/kept', 'Connection: keep-alive\r\n'), 1)).toMatchObject([{ status: 200, url: '/kept' }]);
  });
});
