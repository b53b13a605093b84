/**
 * Request heads the router must refuse or normalise before routing, spoken over raw sockets on
 * the fast path and on the node:http path alike: bodies it cannot frame, CONNECT, bad or several
 * Host headers (a 400 and a closed connection, nothing forwarded), absolute-form targets (routed
 * by their authority) and dot segments (removed before matching and forwarding).
 */
import { describe, expect, it } from 'vitest';
import { get, rawClient, type RawAnswer } from './fast-path/raw-fixtures.js';
import { route, table } from './test-fixtures.js';
import { testScope } from './testing/test-scope.js';

const scope = testScope();

interface Setup {
  readonly port: number;
  /** What the instances received in full: `instance METHOD url host=…`. */
  seen(): string[];
}

/** `catalog` serves /catalog, `admin` serves /admin, `shop` serves host shop.test, `root` the rest. */
async function setup(fastPath: boolean): Promise<Setup> {
  const [catalog, admin, shop, root] = await scope.backends('catalog', 'admin', 'shop', 'root');
  const { router } = await scope.router({ fastPath });
  await router.publish(
    table(1, [
      route({ id: 'dev/catalog/0', service: 'catalog', pathPrefix: '/catalog', backends: [catalog.asRouteBackend()] }),
      route({ id: 'dev/admin/0', service: 'admin', pathPrefix: '/admin', backends: [admin.asRouteBackend()] }),
      route({ id: 'dev/shop/0', service: 'shop', host: 'shop.test', backends: [shop.asRouteBackend()] }),
      route({ id: 'dev/root/0', service: 'root', backends: [root.asRouteBackend()] }),
    ]),
  );
  const backends = [catalog, admin, shop, root];
  return {
    port: router.port,
    seen: () => backends.flatMap((b) => b.seen.map((s) => `${b.name} ${s.method} ${s.url} host=${s.headers.host}`)),
  };
}

/** Sends `bytes` on a new connection and reads one answer; `closes`: the router must then close it. */
async function send(port: number, bytes: string, closes: boolean): Promise<RawAnswer & { code: string | undefined }> {
  const c = rawClient(port);
  scope.cleanups.push(async () => c.socket.destroy());
  c.send(bytes);
  const [answer] = await c.answers(1);
  if (closes) await c.closed;
  const code = answer!.headers['content-type']?.startsWith('application/json') === true ? (JSON.parse(answer!.body) as { code?: string }).code : undefined;
  return { ...answer!, code };
}

const chunked = (body: string, transferEncoding = 'chunked'): string =>
  `POST /catalog/upload HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: ${transferEncoding}\r\n\r\n${body}`;

describe.each([
  ['fast path', true],
  ['node:http path', false],
])('request heads (%s)', (_name, fastPath) => {
  it('answers 400 to a Transfer-Encoding other than exactly chunked, closes, and forwards nothing', async () => {
    const { port, seen } = await setup(fastPath);
    for (const encoding of ['xchunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'chunked\r\nTransfer-Encoding: chunked']) {
      const answer = await send(port, chunked('1\r\nz\r\n0\r\n\r\n', encoding), true);
      expect({ encoding, status: answer.status }).toEqual({ encoding, status: 400 });
      expect(['SKIFF_UNSUPPORTED_TRANSFER_ENCODING', 'SKIFF_BAD_REQUEST']).toContain(answer.code);
    }
    expect(seen()).toEqual([]);
    const fine = await send(port, chunked('1\r\nz\r\n0\r\n\r\n', 'Chunked'), false);
    expect(fine.status).toBe(200);
    expect(seen()).toEqual(['catalog POST /catalog/upload host=app.test']);
  });

  it('answers 400 to a chunked body with a malformed chunk extension, and closes', async () => {
    const { port, seen } = await setup(fastPath);
    for (const body of ['1;\u0001\r\nz\r\n0\r\n\r\n', '1; a="b\r\nz\r\n0\r\n\r\n', '1;a b\r\nz\r\n0\r\n\r\n']) {
      const answer = await send(port, chunked(body), true);
      expect({ body, status: answer.status, code: answer.code }).toEqual({ body, status: 400, code: 'SKIFF_BAD_REQUEST' });
      expect(answer.body).toContain('chunk');
    }
    expect(seen()).toEqual([]);
    expect((await send(port, chunked('1;name=value\r\nz\r\n0\r\n\r\n'), false)).status).toBe(200);
  });

  it('answers the requests pipelined ahead of a malformed one, then 400, then closes', async () => {
    const { port, seen } = await setup(fastPath);
    const post = 'POST /catalog/a HTTP/1.1\r\nHost: app.test\r\nContent-Length: 2\r\n\r\nok';
    for (const malformed of ['GET / HTTP/1.1\r\nHost: app.test\r\nBad Name: x\r\n\r\n', 'GET / HTTP/1.1\r\nHost: a b\r\nContent-Length: 9\r\n\r\nab']) {
      const c = rawClient(port);
      scope.cleanups.push(async () => c.socket.destroy());
      c.send(post + get('/catalog/b') + malformed);
      c.socket.end();
      const answers = await c.answers(3);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 400]);
      await c.closed;
    }
    // Pipelined requests may reach the instance in any order; their answers come in order.
    expect(seen().sort()).toEqual(['catalog GET /catalog/b host=app.test', 'catalog GET /catalog/b host=app.test', 'catalog POST /catalog/a host=app.test', 'catalog POST /catalog/a host=app.test']);
  });

  it('answers CONNECT with 400 and a body that says why, and closes', async () => {
    const { port, seen } = await setup(fastPath);
    const answer = await send(port, 'CONNECT shop.test:443 HTTP/1.1\r\nHost: shop.test:443\r\n\r\n', true);
    expect(answer).toMatchObject({ status: 400, code: 'SKIFF_METHOD_NOT_SUPPORTED' });
    expect(answer.body).toContain('CONNECT is not supported');
    expect(seen()).toEqual([]);
  });

  it('answers 400 to an invalid Host or several, instead of routing them to /', async () => {
    const { port, seen } = await setup(fastPath);
    for (const host of ['a b', 'shop.test x', 'user@shop.test', 'shop.test:80x', 'sh%zzop.test', '[::1', 'shop.test\r\nHost: shop.test']) {
      const answer = await send(port, get('/x').replace('Host: app.test', `Host: ${host}`), true);
      expect({ host, status: answer.status, code: answer.code }).toEqual({ host, status: 400, code: 'SKIFF_INVALID_HOST' });
    }
    expect(seen()).toEqual([]);
    for (const host of ['Shop.TEST:8080', 'shop.test', '[::1]:80', '127.0.0.1']) {
      expect((await send(port, get('/x').replace('Host: app.test', `Host: ${host}`), false)).status).toBe(200);
    }
    expect(seen()).toEqual(['shop GET /x host=Shop.TEST:8080', 'shop GET /x host=shop.test', 'root GET /x host=[::1]:80', 'root GET /x host=127.0.0.1']);
  });

  it('routes an absolute-form target by its authority and forwards it in origin-form', async () => {
    const { port, seen } = await setup(fastPath);
    const absolute = (target: string, host = 'other.test'): string => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    for (const target of ['http://shop.test/items?q=1', 'HTTP://Shop.Test:8080/items/../items?q=1', 'https://shop.test?q=1']) {
      expect((await send(port, absolute(target), false)).status).toBe(200);
    }
    expect((await send(port, absolute('http://app.test/admin/x'), false)).status).toBe(200);
    expect(seen()).toEqual([
      'admin GET /admin/x host=app.test',
      'shop GET /items?q=1 host=shop.test',
      'shop GET /items?q=1 host=Shop.Test:8080',
      'shop GET /?q=1 host=shop.test',
    ]);
    for (const target of ['ftp://shop.test/x', 'http:///x', 'http://a@shop.test/x']) {
      const answer = await send(port, absolute(target), true);
      expect({ target, status: answer.status, code: answer.code }).toEqual({ target, status: 400, code: 'SKIFF_INVALID_REQUEST_TARGET' });
    }
    // node:http's parser refuses these itself.
    for (const target of ['shop.test:80', 'x']) expect((await send(port, absolute(target), true)).status).toBe(400);
    expect(seen()).toHaveLength(4);
  });

  it('routes upgrades by the same rules: dot segments removed, an invalid Host refused', async () => {
    const { port, seen } = await setup(fastPath);
    const upgrade = (path: string, host: string): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n`;
    const c = rawClient(port);
    scope.cleanups.push(async () => c.socket.destroy());
    c.send(upgrade('/catalog/%2e%2e/admin/ws', 'app.test'));
    await expect.poll(() => seen()).toEqual(['admin GET /admin/ws host=app.test']);
    const refused = await send(port, upgrade('/admin/ws', 'a b'), true);
    expect(refused.status).toBe(400);
    expect(seen()).toHaveLength(1);
  });

  it('removes dot segments, encoded ones too, before matching and forwarding, and keeps the query as sent', async () => {
    const { port, seen } = await setup(fastPath);
    const paths = ['/catalog/../admin?q=/../x', '/catalog/%2e%2E/admin/./users', '/../../../admin', '/catalog/./items/.', '/catalog/.%2E/%2e./admin'];
    for (const path of paths) expect((await send(port, get(path), false)).status).toBe(200);
    expect(seen()).toEqual([
      'catalog GET /catalog/items/ host=app.test',
      'admin GET /admin?q=/../x host=app.test',
      'admin GET /admin/users host=app.test',
      'admin GET /admin host=app.test',
      'admin GET /admin host=app.test',
    ]);
  });
});
