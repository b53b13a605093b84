import { execFile } from 'node:child_process';
import { connect as connectHttp2 } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls, type PeerCertificate } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RouteTable, TlsCertificate } from '../core/route-table.js';
import { dataFrame, frameType, headersFrame, protocolError, rawH2 } from '../edge/testing/raw-h2.js';
import { createTestCa, type TestCa, type TestCertificate } from '../edge/testing/test-certificates.js';
import { publishRouteTable } from './admin-client.js';
import { route, table, waitFor } from './test-fixtures.js';
import { testScope } from './testing/test-scope.js';

const scope = testScope({ scratch: 'skiff-tls-' });
const { backends } = scope;
let ca: TestCa;
let certA: TestCertificate;
let certB: TestCertificate;

beforeEach(async () => {
  ca = await createTestCa(scope.dir);
  certA = await ca.issue('a', ['a.test']);
  certB = await ca.issue('b', ['*.b.test']);
});

const pem = (certificate: TestCertificate, hosts: readonly string[]): TlsCertificate => ({ hosts, cert: certificate.cert, key: certificate.key, source: 'file' });

function withTls(base: RouteTable, certificates: readonly TlsCertificate[], acmeChallenges?: Record<string, string>): RouteTable {
  return { ...base, tls: { certificates, ...(acmeChallenges === undefined ? {} : { acmeChallenges }) } };
}

async function tlsRouter(options: { headersTimeoutMs?: number; adminSocket?: string } = {}) {
  const [a] = await backends('a');
  const { router, client } = await scope.router({ tlsListen: [{ host: '127.0.0.1', port: 0 }], drainTimeoutMs: 2_000, ...options });
  return { router, client, backend: a, tlsPort: router.tlsPorts[0] as number };
}

/** The certificate the router presents for `servername`. */
/** The certificate the router presents for `servername` (none: the client sends no SNI, as for an IP address). */
function peerCertificate(port: number, servername: string | undefined): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    // The name is not checked: a name no certificate covers gets the first one.
    const socket = connectTls({ host: '127.0.0.1', port, ...(servername === undefined ? {} : { servername }), ca: ca.pem, checkServerIdentity: () => undefined }, () => {
      resolve(socket.getPeerCertificate());
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

function httpsGet(port: number, host: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: host, headers: { host }, ca: ca.pem, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, protocol: (res.socket as { alpnProtocol?: string }).alpnProtocol ?? '' }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('the router TLS listener', () => {
  it('picks the certificate by SNI: the exact host, the wildcard, and the first one without a name match or without SNI', async () => {
    const { router, backend, tlsPort } = await tlsRouter();
    await router.publish(withTls(table(1, [route({ backends: [backend.asRouteBackend()] })]), [pem(certA, ['a.test']), pem(certB, ['*.b.test'])]));

    expect((await peerCertificate(tlsPort, 'a.test')).subject.CN).toBe('a.test');
    expect((await peerCertificate(tlsPort, 'shop.b.test')).subject.CN).toBe('*.b.test');
    expect((await peerCertificate(tlsPort, 'other.test')).subject.CN).toBe('a.test');
    expect((await peerCertificate(tlsPort, undefined)).subject.CN).toBe('a.test');

    const answer = await httpsGet(tlsPort, 'shop.b.test', '/items');
    expect(answer.status).toBe(200);
    expect(answer.protocol).not.toBe('h2');
    expect(backend.seen.at(-1)?.headers['x-forwarded-proto']).toBe('https');
    expect(backend.seen.at(-1)?.headers.host).toBe('shop.b.test');
  });

  it('refuses TLS 1.1 and a table whose key does not match its certificate, keeping the table it has', async () => {
    const adminSocket = join(scope.dir, 'router.sock');
    const { router, backend, tlsPort } = await tlsRouter({ adminSocket });
    await router.publish(withTls(table(1, [route({ backends: [backend.asRouteBackend()] })]), [pem(certA, ['a.test'])]));

    const old = new Promise<string>((resolve) => {
      const socket = connectTls({ host: '127.0.0.1', port: tlsPort, servername: 'a.test', ca: ca.pem, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      socket.once('secureConnect', () => resolve('connected'));
    });
    expect(await old).not.toBe('connected');

    const mismatched = { ...pem(certA, ['a.test']), key: certB.key };
    const refusal = await publishRouteTable(adminSocket, withTls(table(2, []), [pem(certB, ['*.b.test']), mismatched])).catch((err: unknown) => err);
    expect(refusal).toMatchObject({ code: 'SKIFF_BAD_REQUEST' });
    expect(String((refusal as Error).message)).toContain('tls.certificates.1.key: the private key does not belong to the certificate');
    expect(router.table().version).toBe(1);
    expect((await peerCertificate(tlsPort, 'a.test')).subject.CN).toBe('a.test');
  });

  it('serves HTTP/2 by ALPN to Node and curl, with the same routing', async () => {
    const { router, backend, tlsPort } = await tlsRouter();
    await router.publish(withTls(table(1, [route({ pathPrefix: '/api', stripPrefix: true, backends: [backend.asRouteBackend()] })]), [pem(certA, ['a.test'])]));

    const session = connectHttp2(`https://a.test:${tlsPort}`, { ca: ca.pem, servername: 'a.test', host: '127.0.0.1', port: tlsPort } as never);
    session.on('error', () => {});
    const get = (path: string): Promise<{ status: number; body: string; instance: unknown }> =>
      new Promise((resolve, reject) => {
        const stream = session.request({ ':path': path, ':method': 'GET' });
        let status = 0;
        let instance: unknown;
        let body = '';
        stream.on('response', (headers) => {
          status = Number(headers[':status']);
          instance = headers['x-skiff-instance'];
        });
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (body += chunk));
        stream.on('end', () => resolve({ status, body, instance }));
        stream.on('error', reject);
      });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`/api/item/${i}`)));
    const posted = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ':path': '/api/orders', ':method': 'POST' });
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => resolve(body));
      stream.on('error', reject);
      stream.write('{"item":');
      stream.end('7}');
    });
    expect(JSON.parse(posted)).toMatchObject({ url: '/orders', body: '{"item":7}' });
    session.close();
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(answers[3]?.instance).toBe('a');
    expect(JSON.parse(answers[3]?.body ?? '{}')).toMatchObject({ url: '/item/3' });
    expect(backend.seen.at(-1)?.headers.host).toBe(`a.test:${tlsPort}`);
    const missing = await new Promise<number>((resolve) => {
      const other = connectHttp2(`https://a.test:${tlsPort}`, { ca: ca.pem, servername: 'a.test', host: '127.0.0.1', port: tlsPort } as never);
      const stream = other.request({ ':path': '/nothing' });
      stream.on('response', (headers) => resolve(Number(headers[':status'])));
      stream.resume();
      stream.on('end', () => other.close());
    });
    expect(missing).toBe(404);

    const { stdout } = await promisify(execFile)('curl', [
      '--silent', '--http2', '--cacert', ca.path, '--resolve', `a.test:${tlsPort}:127.0.0.1`,
      '--write-out', '\\n%{http_version} %{http_code}', `https://a.test:${tlsPort}/api/curl`,
    ]);
    const [body, summary] = stdout.split('\n');
    expect(summary).toBe('2 200');
    expect(JSON.parse(body ?? '{}')).toMatchObject({ backend: 'a', url: '/curl' });
  });

  it('refuses malformed HTTP/2 requests (connection-specific headers, a body longer than its content-length) without reaching the backend', async () => {
    const { router, backend, tlsPort } = await tlsRouter();
    await router.publish(withTls(table(1, [route({ backends: [backend.asRouteBackend()] })]), [pem(certA, ['a.test'])]));
    const base: [string, string][] = [[':method', 'POST'], [':scheme', 'https'], [':path', '/smuggle'], [':authority', 'a.test']];

    const h2 = await rawH2(tlsPort, 'a.test', ca.pem);
    h2.send(headersFrame(1, [...base, ['connection', 'keep-alive']]));
    h2.send(headersFrame(3, [...base, ['transfer-encoding', 'chunked']]));
    h2.send(headersFrame(5, [...base, ['content-length', '3']], false));
    h2.send(dataFrame(5, 'too long a body'));
    const refused = (stream: number) => h2.closed || h2.frames.some((f) => (f.type === frameType.rstStream && f.streamId === stream) || f.type === frameType.goaway);
    await waitFor(() => refused(1) && refused(3) && refused(5), 5_000, 'the malformed streams reset');
    for (const f of h2.frames.filter((f) => f.type === frameType.rstStream || f.type === frameType.goaway)) expect(f.errorCode).toBe(protocolError);
    h2.close();
    expect(backend.seen.filter((seen) => seen.url === '/smuggle')).toEqual([]);

    // HTTP/1.1 over TLS keeps the plain listener's refusals: Content-Length with Transfer-Encoding.
    const smuggled = await new Promise<string>((resolve) => {
      const socket = connectTls({ host: '127.0.0.1', port: tlsPort, servername: 'a.test', ca: ca.pem, ALPNProtocols: ['http/1.1'] }, () => {
        socket.write('POST /smuggle HTTP/1.1\r\nHost: a.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
      });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', () => {});
    });
    expect(smuggled).toMatch(/^HTTP\/1\.1 400/);
    expect(backend.seen.filter((seen) => seen.url === '/smuggle')).toEqual([]);
  });

  it('serves other clients while one handshake stalls, and drops the stalled one at the handshake deadline', async () => {
    const { router, backend, tlsPort } = await tlsRouter({ headersTimeoutMs: 1_000 });
    await router.publish(withTls(table(1, [route({ backends: [backend.asRouteBackend()] })]), [pem(certA, ['a.test'])]));
    let stalledClosed = false;
    // A TLS record header announcing a ClientHello whose bytes never come.
    const stalled = connectTcp({ host: '127.0.0.1', port: tlsPort }, () => stalled.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])));
    stalled.on('error', () => {});
    stalled.on('close', () => (stalledClosed = true));

    const answers = await Promise.all(Array.from({ length: 5 }, () => httpsGet(tlsPort, 'a.test', '/quick')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(stalledClosed).toBe(false);
    await waitFor(() => stalledClosed, 10_000, 'the stalled handshake dropped');
  });

  it('answers ACME challenges and redirects to HTTPS on the plain listener, and sends HSTS over TLS', async () => {
    const { router, client, backend, tlsPort } = await tlsRouter();
    const secured = route({ host: 'a.test', redirectHttps: true, hsts: { maxAgeSeconds: 31536000, includeSubDomains: true }, backends: [backend.asRouteBackend()] });
    const plain = route({ id: 'dev/plain/0', host: 'b.test', backends: [backend.asRouteBackend()] });
    await router.publish(withTls(table(1, [secured, plain]), [pem(certA, ['a.test'])], { tok_en1: 'tok_en1.thumbprint' }));

    // Before any route: a redirecting one, and a plain one (served on the raw-socket fast path otherwise).
    for (const host of ['a.test', 'b.test']) {
      const challenge = await client.send('/.well-known/acme-challenge/tok_en1', { headers: { host } });
      expect(challenge.status).toBe(200);
      expect(challenge.text).toBe('tok_en1.thumbprint');
    }
    const redirect = await client.send('/shop?x=1', { headers: { host: 'a.test' } });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe(`https://a.test:${tlsPort}/shop?x=1`);
    expect(backend.seen).toEqual([]);

    const secure = await httpsGet(tlsPort, 'a.test', '/shop');
    expect(secure.status).toBe(200);
    expect(secure.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('passes WebSockets and server-sent events over TLS (HTTP/1.1)', async () => {
    const { router, backend, tlsPort } = await tlsRouter();
    await router.publish(withTls(table(1, [route({ backends: [backend.asRouteBackend()] })]), [pem(certA, ['a.test'])]));

    const socket = connectTls({ host: '127.0.0.1', port: tlsPort, servername: 'a.test', ca: ca.pem, ALPNProtocols: ['http/1.1'] });
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => {});
    socket.write('GET /chat HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    await waitFor(() => received.includes('a:'), 5_000, 'the 101 answer');
    expect(received).toMatch(/^HTTP\/1\.1 101 /);
    socket.write('ping');
    await waitFor(() => received.endsWith('a:ping'), 5_000, 'the echo');
    expect(backend.seen.at(-1)?.headers['x-forwarded-proto']).toBe('https');
    socket.destroy();

    const events = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: tlsPort, path: '/sse', servername: 'a.test', headers: { host: 'a.test' }, ca: ca.pem, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          // The first event arrives while the stream is open; the rest once the backend ends it.
          if (text.includes('hello from a')) backend.releaseHeld();
        });
        res.on('end', () => resolve(text));
      });
      req.once('error', reject);
      req.end();
    });
    expect(events).toBe('data: hello from a\n\ndata: bye\n\n');
  });

  it('counts HTTP/2 requests in the route metrics, and lets a stream under way finish when the router drains', async () => {
    const { router, backend, tlsPort } = await tlsRouter();
    await router.publish(withTls(table(1, [route({ id: 'dev/app/0', backends: [backend.asRouteBackend()] })]), [pem(certA, ['a.test'])]));
    const session = connectHttp2(`https://a.test:${tlsPort}`, { ca: ca.pem, servername: 'a.test', host: '127.0.0.1', port: tlsPort } as never);
    session.on('error', () => {});
    let goaway = false;
    session.on('goaway', () => (goaway = true));
    const held = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const stream = session.request({ ':path': '/slow', 'x-hold': '1' });
      let status = 0;
      let body = '';
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
    });
    await waitFor(() => backend.heldCount() === 1, 5_000, 'the request held by the backend');
    const closing = router.close();
    await waitFor(() => goaway, 5_000, 'GOAWAY');
    backend.releaseHeld();
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ backend: 'a', url: '/slow' });
    await closing;
    expect(router.metrics()).toMatch(/skiff_router_requests_total\{[^}]*route="dev\/app\/0"[^}]*release="v1"[^}]*\} 1\n/);
  });
});
