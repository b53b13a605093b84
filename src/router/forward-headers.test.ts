import { describe, expect, it } from 'vitest';
import { RequestIds, rewriteRequestHeaders, rewriteResponseHeaders, type RequestHead } from './forward-headers.js';

function rewrite(raw: string[], address = '10.0.0.9'): RequestHead & { map: Map<string, string> } {
  const head: RequestHead = { headers: [], hostHeader: undefined, hostHeaders: 0, contentLength: -1, chunked: false, transferEncoding: undefined, requestId: '', traceparent: undefined, tracestate: undefined };
  rewriteRequestHeaders(raw, { remoteAddress: address }, new RequestIds(), head);
  const map = new Map<string, string>();
  for (let i = 0; i < head.headers.length; i += 2) map.set(head.headers[i]!.toLowerCase(), head.headers[i + 1]!);
  return { ...head, map };
}

describe('rewriteRequestHeaders', () => {
  it('drops hop-by-hop headers, including those named in Connection', () => {
    const { map } = rewrite([
      'Host', 'shop.example:8080',
      'Connection', 'keep-alive, X-Secret',
      'X-Secret', 's',
      'Keep-Alive', 'timeout=5',
      'Proxy-Authorization', 'Basic x',
      'TE', 'trailers',
      'Upgrade', 'websocket',
      'Transfer-Encoding', 'chunked',
      'Accept', 'text/plain',
    ]);
    expect([...map.keys()].sort()).toEqual(
      ['accept', 'host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-request-id'].sort(),
    );
    expect(map.get('host')).toBe('shop.example:8080');
  });

  it('appends the client address to x-forwarded-for and sets proto and host', () => {
    const { map } = rewrite(['Host', 'a.example', 'X-Forwarded-For', '1.2.3.4', 'X-Forwarded-Proto', 'https']);
    expect(map.get('x-forwarded-for')).toBe('1.2.3.4, 10.0.0.9');
    expect(map.get('x-forwarded-proto')).toBe('http');
    expect(map.get('x-forwarded-host')).toBe('a.example');
  });

  it('keeps an incoming request id and otherwise makes unique ones', () => {
    expect(rewrite(['X-Request-Id', 'abc']).map.get('x-request-id')).toBe('abc');
    const ids = new RequestIds();
    const seen = new Set(Array.from({ length: 1000 }, () => ids.next()));
    expect(seen.size).toBe(1000);
  });

  it('reports the body framing', () => {
    expect(rewrite(['Content-Length', '12'])).toMatchObject({ contentLength: 12, chunked: false });
    expect(rewrite(['Transfer-Encoding', 'chunked'])).toMatchObject({ contentLength: -1, chunked: true });
  });
});

describe('rewriteResponseHeaders', () => {
  it('drops hop-by-hop headers and names the instance', () => {
    const raw = ['Content-Type', 'text/plain', 'Connection', 'keep-alive, X-Secret', 'x-secret', '1', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']
      .map((text) => Buffer.from(text, 'latin1'));
    expect(rewriteResponseHeaders(raw, 'dev/app/1', false)).toEqual([
      'Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'x-skiff-instance', 'dev/app/1',
    ]);
    expect(rewriteResponseHeaders([], 'i', true)).toEqual(['x-skiff-instance', 'i', 'connection', 'close']);
  });
});
