import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeadOutcome, ParsedRequest, parseRequestHead } from './request-head.js';

const limit = 16 * 1024;

function parse(text: string, start = 0): { outcome: HeadOutcome; request: ParsedRequest } {
  const request = new ParsedRequest();
  const outcome = parseRequestHead(Buffer.from(text, 'latin1'), start, limit, request);
  return { outcome, request };
}

describe('parseRequestHead', () => {
  it('parses a plain request and keeps the header lines to forward as they were sent', () => {
    const text =
      'GET /api/items?page=2 HTTP/1.1\r\nHost: Shop.Example:8080\r\nAccept: */*\r\nConnection: keep-alive\r\n' +
        'X-Forwarded-For: 10.0.0.1\r\nX-Request-Id: abc\r\nX-Request-Id: second\r\nkeep-alive: 5\r\nTE: trailers\r\n' +
        'Proxy-Authorization: Basic eA==\r\nX-Forwarded-For: 10.0.0.2\r\nX-Forwarded-Proto: https\r\nUser-Agent: t\r\n\r\nNEXT';
    const { outcome, request } = parse(text);
    expect(outcome).toBe(HeadOutcome.Complete);
    expect(request).toMatchObject({
      method: 'GET',
      isHead: false,
      url: '/api/items?page=2',
      host: 'Shop.Example:8080',
      forwardedFor: '10.0.0.1, 10.0.0.2',
      requestId: 'abc',
      close: false,
      kept: 'Host: Shop.Example:8080\r\nAccept: */*\r\nUser-Agent: t\r\n',
    });
    expect(request.end).toBe(text.indexOf('NEXT'));
  });

  it('takes the trace headers out of the forwarded lines (the exchange sends them on or replaces them); two traceparents go to node:http', () => {
    const text =
      'GET / HTTP/1.1\r\nHost: a\r\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n' +
      'TraceState: a=1\r\nAccept: */*\r\ntracestate: b=2\r\n\r\n';
    const { outcome, request } = parse(text);
    expect(outcome).toBe(HeadOutcome.Complete);
    expect(request).toMatchObject({
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'a=1,b=2',
      kept: 'Host: a\r\nAccept: */*\r\n',
    });
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\n\r\n').request).toMatchObject({ traceparent: undefined, tracestate: undefined });
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\ntraceparent: x\r\ntraceparent: y\r\n\r\n').outcome).toBe(HeadOutcome.Slow);
  });

  it('finds where a pipelined second request starts', () => {
    const first = 'HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
    const both = `${first}GET /two HTTP/1.1\r\nHost: b\r\n\r\n`;
    const { outcome, request } = parse(both);
    expect(outcome).toBe(HeadOutcome.Complete);
    expect(request).toMatchObject({ method: 'HEAD', isHead: true, close: true, end: first.length, kept: 'Host: a\r\nContent-Length: 0\r\n' });
    const second = parse(both, first.length);
    expect(second.outcome).toBe(HeadOutcome.Complete);
    expect(second.request).toMatchObject({ url: '/two', host: 'b', end: both.length });
  });

  it('asks for more bytes at every cut of a complete head, and never calls a prefix slow', () => {
    const text = 'OPTIONS /a/b HTTP/1.1\r\nHost: x\r\nX-A:  spaced value \t\r\nX-Request-Id: r\r\n\r\n';
    for (let cut = 0; cut < text.length; cut++) expect(parse(text.slice(0, cut)).outcome, `cut at ${cut}`).toBe(HeadOutcome.Partial);
    const { outcome, request } = parse(text);
    expect(outcome).toBe(HeadOutcome.Complete);
    expect(request.kept).toBe('Host: x\r\nX-A:  spaced value \t\r\n');
  });

  it.each([
    ['a body', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'],
    ['two lengths', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n'],
    ['a transfer-encoding', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['length and encoding (smuggling)', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['an upgrade', 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'],
    ['an expectation', 'GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n'],
    ['connection tokens', 'GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, x-private\r\n\r\n'],
    ['HTTP/1.0', 'GET / HTTP/1.0\r\nHost: x\r\n\r\n'],
    ['an absolute target', 'GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a non-ASCII target', 'GET /caf\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['an unknown method', 'BREW / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a lower-case method', 'get / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['CONNECT', 'CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['garbage', 'GARBAGE\r\n\r\n'],
    ['a space in a header name', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: y\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n'],
    ['a control byte in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-Ctl: a\u0001b\r\n\r\n'],
    ['a folded header', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n'],
    ['a bare LF', 'GET / HTTP/1.1\nHost: x\n\n'],
    ['no Host', 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n'],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'],
  ])('leaves a request with %s to node:http', (_what, text) => {
    expect(parse(text).outcome).toBe(HeadOutcome.Slow);
  });

  it('leaves a head past the size limit to node:http, complete or not', () => {
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(limit)}`;
    expect(parse(big).outcome).toBe(HeadOutcome.Slow);
    expect(parse(`${big}\r\n\r\n`).outcome).toBe(HeadOutcome.Slow);
  });

  it('never throws, and completes only heads that end with a blank line', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(20), (bytes, start) => {
        const buf = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n', 'latin1'), Buffer.from(bytes)]);
        const request = new ParsedRequest();
        const outcome = parseRequestHead(buf, Math.min(start, buf.length), limit, request);
        if (outcome === HeadOutcome.Complete) expect(buf.subarray(request.end - 4, request.end).toString('latin1')).toBe('\r\n\r\n');
      }),
    );
  });

  it('forwards exactly the header lines it does not own, in order', () => {
    const name = fc.stringMatching(/^X-[A-Za-z0-9-]{1,12}$/);
    const value = fc.stringMatching(/^[ -~]{0,20}$/).map((v) => v.trim());
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 12 }), (headers) => {
        const lines = headers
          .filter(([n]) => !/^x-(request-id|forwarded-(for|host|proto))$/i.test(n))
          .map(([n, v]) => `${n}: ${v}\r\n`);
        const { outcome, request } = parse(`GET /p HTTP/1.1\r\nHost: h\r\n${lines.join('')}\r\n`);
        expect(outcome).toBe(HeadOutcome.Complete);
        expect(request.kept).toBe(`Host: h\r\n${lines.join('')}`);
      }),
    );
  });
});
