/**
 * Request-head fuzzing: random and boundary requests, each on its own raw connection that the
 * client half-closes after sending, to the real router process (one worker, the fast path on)
 * with one instance behind it. Every request must get an answer: a 4xx that forwarded nothing,
 * or a 2xx for a request the instance received exactly as the router should forward it (method,
 * target with dot segments removed, Host, body). The worker must never crash or log a fault.
 *
 * Runs: 200 in `npm test` (a few seconds); 10^4 under `npm run fuzz`.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns } from '../core/testing/fuzz-runs.js';
import { publishRouteTable } from './admin-client.js';
import { route, table, type TestBackend } from './test-fixtures.js';
import { rfcRemoveDotSegments } from './testing/dot-segments-oracle.js';
import { processScope } from './testing/processes.js';

// The one place this suite reads the environment: how many runs (see the npm script).
const numRuns = fuzzRuns(200, 10_000);

const scope = processScope('skiff-router-fuzz-');

/** What the request must get: forwarded, refused (4xx), or either (the parsers may accept it or not). */
type Expect = 'forward' | 'refuse' | 'either';

/** Stands for the run's id in `bytes` (the instance finds each request by its x-fuzz-id). */
const idMark = '@ID@';

interface FuzzRequest {
  /** The request as sent, with `idMark` in place of its id. */
  readonly bytes: string;
  readonly expect: Expect;
  readonly method: string;
  /** What the instance must receive when the request is forwarded. */
  readonly url: string;
  readonly host: string | undefined;
  readonly body: string;
}

const worst = (a: Expect, b: Expect): Expect => (a === 'refuse' || b === 'refuse' ? 'refuse' : a === 'either' || b === 'either' ? 'either' : 'forward');

const segment = fc.constantFrom('a', 'b', 'items', 'c%20d', '.', '..', '%2e', '%2E%2e', '.%2E', '...', '', '~x', 'x.y', '%41', 'a;b', ':', '@');
const path = fc.array(segment, { maxLength: 6 }).map((segments) => `/${segments.join('/')}`);
const query = fc.option(fc.string({ unit: fc.constantFrom('a', '=', '&', '/', '.', '%2e', '?', '..'), maxLength: 8 }), { nil: undefined });
const validHost = fc.constantFrom('app.test', 'App.Test:8080', '127.0.0.1', '127.0.0.1:80', '[::1]:80', 'xn--bcher-kva.example', 'a_b.test');
const invalidHost = fc.constantFrom('a b', 'user@app.test', 'app.test:8x', '[::1', 'a%zz', 'app.test:80:80', 'a/b', 'a<b');

/** The request target and what the instance must see of it: origin-form, absolute-form, or broken. */
const target = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(path, query).map(([p, q]) => ({ target: q === undefined ? p : `${p}?${q}`, url: q === undefined ? rfcRemoveDotSegments(p) : `${rfcRemoveDotSegments(p)}?${q}`, authority: undefined as string | undefined, expect: 'forward' as Expect })) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom('http', 'HTTP', 'https'), validHost, path, query).map(([scheme, authority, p, q]) => ({
      target: `${scheme}://${authority}${p}${q === undefined ? '' : `?${q}`}`,
      url: q === undefined ? rfcRemoveDotSegments(p) : `${rfcRemoveDotSegments(p)}?${q}`,
      authority: authority as string | undefined,
      expect: 'forward' as Expect,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('ftp://app.test/x', 'http:///x', 'http://u@app.test/', 'app.test:80', '*', 'x', '//x/../y', '/a\\..\\b', '/%', '/%zz', '/é').map((t) => ({
      target: t,
      url: t.startsWith('/') ? rfcRemoveDotSegments(t) : t,
      authority: undefined as string | undefined,
      expect: (t === '//x/../y' ? 'forward' : 'either') as Expect,
    })),
  },
);

/** Host headers: one valid (usual), none, one invalid, or two. */
const hosts = fc.oneof(
  { weight: 6, arbitrary: validHost.map((h) => ({ lines: [h], expect: 'forward' as Expect })) },
  { weight: 1, arbitrary: fc.constant({ lines: [] as string[], expect: 'either' as Expect }) },
  { weight: 1, arbitrary: invalidHost.map((h) => ({ lines: [h], expect: 'refuse' as Expect })) },
  { weight: 1, arbitrary: fc.tuple(validHost, validHost).map(([a, b]) => ({ lines: [a, b], expect: 'refuse' as Expect })) },
);

const bodyText = fc.string({ unit: fc.constantFrom('a', 'z', '0', ' ', '\r', '\n', ';', '"'), maxLength: 20 });

/** The body and its framing; `body` is what the instance must receive. */
const framing = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ headers: '', payload: '', body: '', expect: 'forward' as Expect }) },
  { weight: 2, arbitrary: bodyText.map((b) => ({ headers: `Content-Length: ${b.length}\r\n`, payload: b, body: b, expect: 'forward' as Expect })) },
  {
    weight: 2,
    arbitrary: fc.tuple(bodyText.filter((b) => b.length > 0), fc.constantFrom('', ';a=b', ';a="q"')).map(([b, ext]) => ({
      headers: 'Transfer-Encoding: chunked\r\n',
      payload: `${b.length.toString(16)}${ext}\r\n${b}\r\n0\r\n\r\n`,
      body: b,
      expect: 'forward' as Expect,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('xchunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'chunked\r\nTransfer-Encoding: chunked'), bodyText).map(([te, b]) => ({
      headers: `Transfer-Encoding: ${te}\r\n`,
      payload: `${b.length.toString(16)}\r\n${b}\r\n0\r\n\r\n`,
      body: b,
      expect: 'refuse' as Expect,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('1;\u0001\r\nz\r\n0\r\n\r\n', '1; a="b\r\nz\r\n0\r\n\r\n', '1;a b\r\nz\r\n0\r\n\r\n', 'zz\r\nz\r\n0\r\n\r\n', '1\r\nzz\r\n0\r\n\r\n').map((payload) => ({
      headers: 'Transfer-Encoding: chunked\r\n',
      payload,
      body: '',
      expect: 'refuse' as Expect,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('Content-Length: 10\r\n', 'Content-Length: -1\r\n', 'Content-Length: 1x\r\n', 'Content-Length: 1\r\nContent-Length: 2\r\n', 'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n').map((headers) => ({
      headers,
      payload: 'ab',
      body: '',
      expect: 'refuse' as Expect,
    })),
  },
);

const tokenChar = fc.constantFrom('a', 'B', '-', '_', '1', '!', '~');
const valueChar = fc.constantFrom('v', ' ', '\t', '"', ',', ';', '=', '\u00e9', '/');
/** Extra headers: plain ones (forwarded as they are), or one the parser may refuse. */
const extraHeaders = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.string({ unit: tokenChar, minLength: 1, maxLength: 8 }), fc.string({ unit: valueChar, maxLength: 12 })).map(([n, v]) => ({ line: `X-${n}: ${v}`, expect: 'forward' as Expect })) },
    { weight: 1, arbitrary: fc.constantFrom('Bad Name: x', 'X-Ctl: a\u0001b', 'X-Nul: a\u0000b', ': empty', 'X-Fold: a\r\n  folded', 'X-Lf: a\nb').map((line) => ({ line, expect: 'either' as Expect })) },
    { weight: 1, arbitrary: fc.constantFrom('Connection: close', 'Connection: keep-alive, X-A', 'TE: trailers', 'Expect: 100-continue', 'Proxy-Authorization: x', 'Upgrade: h2c').map((line) => ({ line, expect: 'either' as Expect })) },
  ),
  { maxLength: 4 },
);

const method = fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH');
const version = fc.oneof({ weight: 8, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'http/1.1', 'HTTP/1.1 ') });

let nextId = 0;

const request: fc.Arbitrary<FuzzRequest> = fc
  .tuple(method, target, version, hosts, framing, extraHeaders)
  .map(([m, t, v, h, f, extra]) => {
    // The authority of an absolute-form target wins over a (single) Host header, valid or not.
    const hostExpect = t.authority !== undefined && h.lines.length === 1 ? 'forward' : h.expect;
    let expect = worst(worst(t.expect, hostExpect), f.expect);
    for (const header of extra) expect = worst(expect, header.expect);
    if (v !== 'HTTP/1.1') expect = worst(expect, 'either');
    // Without a Host, HTTP/1.1 is refused; absolute-form carries its own.
    const host = t.authority ?? h.lines[0];
    return {
      expect,
      method: m,
      url: t.url,
      host,
      body: f.body,
      bytes:
        `${m} ${t.target} ${v}\r\n${h.lines.map((line) => `Host: ${line}\r\n`).join('')}x-fuzz-id: ${idMark}\r\n` +
        `${extra.map((header) => `${header.line}\r\n`).join('')}${f.headers}\r\n${f.payload}`,
    };
  });

/** Boundary cases always run first. */
const boundaries: readonly string[] = [
  'CONNECT app.test:443 HTTP/1.1\r\nHost: app.test:443\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: \r\n\r\n',
  `GET /${'a'.repeat(8_000)} HTTP/1.1\r\nHost: app.test\r\n\r\n`,
  `GET / HTTP/1.1\r\nHost: app.test\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
  'GET / HTTP/1.1\r\nHost: app.test\r\n',
  '\r\n\r\n',
  'GET',
  '',
];

/** Sends `bytes`, half-closes, and returns everything the router wrote before it closed. */
function roundTrip(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within 5 s; got ${JSON.stringify(text.slice(0, 200))}`));
    }, 5_000);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.end(bytes, 'latin1');
  });
}

/** The statuses of the final answers, in order (100 Continue left out). Bodies here never hold a status line. */
function statusesOf(answer: string): number[] {
  return [...answer.matchAll(/HTTP\/1\.1 (\d{3}) [^\r]*\r\n/g)].map((match) => Number(match[1])).filter((status) => status >= 200);
}

function statusOf(answer: string): number {
  return statusesOf(answer)[0] ?? 0;
}

/**
 * A plain request sent ahead of the fuzzed one on the same connection (pipelined): a GET the fast
 * path serves, or a POST that takes the connection to node:http.
 */
const ahead = (id: number, kind: 'get' | 'post'): string =>
  kind === 'get'
    ? `GET /ahead HTTP/1.1\r\nHost: app.test\r\nx-fuzz-id: ${id}-ahead\r\n\r\n`
    : `POST /ahead HTTP/1.1\r\nHost: app.test\r\nx-fuzz-id: ${id}-ahead\r\nContent-Length: 2\r\n\r\nok`;

async function check(port: number, backend: TestBackend, fuzz: FuzzRequest, id: number, pipelined: 'get' | 'post' | undefined): Promise<void> {
  const bytes = (pipelined === undefined ? '' : ahead(id, pipelined)) + fuzz.bytes.replace(idMark, String(id));
  const answer = await roundTrip(port, bytes);
  const statuses = statusesOf(answer);
  const seenAs = (key: string) => backend.seen.filter((s) => s.headers['x-fuzz-id'] === key);
  const where = `request ${JSON.stringify(bytes.slice(0, 400))} got ${JSON.stringify(answer.slice(0, 400))}`;
  if (pipelined !== undefined) {
    expect(statuses[0], `the request ahead was not answered: ${where}`).toBe(200);
    expect(seenAs(`${id}-ahead`).map((s) => s.url), where).toEqual(['/ahead']);
    statuses.shift();
  }
  const status = statuses[0] ?? 0;
  const seen = seenAs(String(id));
  if (status >= 400 && status < 500) {
    expect(fuzz.expect, `refused a request that must be forwarded: ${where}`).not.toBe('forward');
    expect(seen, `refused yet forwarded: ${where}`).toEqual([]);
    return;
  }
  expect(status, `neither a 4xx nor a 2xx: ${where}`).toBe(200);
  expect(fuzz.expect, `forwarded a request that must be refused: ${where}`).not.toBe('refuse');
  expect(seen, `answered 200 but forwarded ${seen.length} times: ${where}`).toHaveLength(1);
  const got = seen[0]!;
  expect({ method: got.method, url: got.url, host: got.headers.host, body: got.body }, where).toEqual({
    method: fuzz.method,
    url: fuzz.url,
    // Without any Host (HTTP/1.0), the upstream client names the instance: any value is right.
    host: fuzz.host ?? got.headers.host,
    body: fuzz.body,
  });
}

describe('router request-head fuzzing', () => {
  it(
    `answers every random request head with a 4xx or a correct forward, and never crashes (${numRuns} runs)`,
    async () => {
      const [backend] = await scope.backends('fuzz');
      const router = scope.spawnRouter(['--workers', '1']);
      const port = await router.port();
      await publishRouteTable(router.socket, table(1, [route({ backends: [backend.asRouteBackend()] })]));

      for (const bytes of boundaries) {
        const status = statusOf(await roundTrip(port, bytes));
        expect(status === 0 || (status >= 400 && status < 500) || status === 200, `boundary ${JSON.stringify(bytes.slice(0, 80))}: ${status}`).toBe(true);
      }
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(request, fc.constantFrom(undefined, 'get' as const, 'post' as const), async (fuzz, pipelined) => {
          await check(port, backend, fuzz, ++nextId, pipelined);
        }),
        { numRuns },
      );
      const seconds = (performance.now() - started) / 1000;
      console.log(`request-head fuzzing: ${numRuns} runs in ${seconds.toFixed(1)} s`);

      expect(router.child.exitCode).toBeNull();
      expect(router.output()).not.toMatch(/uncaught exception|worker died|handling failed/);
      expect(statusOf(await roundTrip(port, 'GET /still HTTP/1.1\r\nHost: app.test\r\n\r\n'))).toBe(200);
    },
    Math.max(60_000, numRuns * 50),
  );
});
