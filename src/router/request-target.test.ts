import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostKey, removeDotSegments, resolveTarget, type ResolvedTarget, type TargetHead } from './request-target.js';
import { isDotSegment, rfcRemoveDotSegments } from './testing/dot-segments-oracle.js';

const numRuns = 500;

describe('hostKey', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['[2001:DB8::7]', '[2001:db8::7]'],
    ['127.0.0.1:80', '127.0.0.1'],
    ['shop.test:', 'shop.test'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['a%2Db', 'a%2db'],
    ['', ''],
  ])('%j → %j', (header, expected) => {
    expect(hostKey(header)).toBe(expected);
  });

  it.each(['a b', ' a', 'a\t', 'user@host', 'host:80x', 'host:8 0', 'a%zzb', 'a%2', '[::1', '[]', '[::1]x', '[::g]', 'ho/st', 'hö.st', 'a<b', 'a"b'])(
    '%j is not a host',
    (header) => {
      expect(hostKey(header)).toBeUndefined();
    },
  );
});

describe('removeDotSegments', () => {
  it.each([
    ['/a/b/c/./../../g', '/a/g'],
    ['/mid/content=5/../6', '/mid/6'],
    ['/catalog/../admin', '/admin'],
    ['/catalog/%2e%2E/admin', '/admin'],
    ['/a/.%2e/b/%2E./c/%2e/d', '/c/d'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/..', '/'],
    ['/.', '/'],
    ['/a//../b', '/a/b'],
    ['/a/../b?x=/../y&z=%2e%2e', '/b?x=/../y&z=%2e%2e'],
    ['/.../..a/a../%2e%2e%2e/.%2', '/.../..a/a../%2e%2e%2e/.%2'],
    ['/a/%2e%2', '/a/%2e%2'],
  ])('%s → %s', (url, expected) => {
    expect(removeDotSegments(url)).toBe(expected);
  });

  const segment = fc.constantFrom('.', '..', '%2e', '%2E', '.%2e', '%2E.', '%2e%2E', 'a', 'b', '', 'c%20d', '...', '.a', 'a.', '%2', '%2e%2e%2e', '~x');
  const path = fc.array(segment, { maxLength: 12 }).map((segments) => `/${segments.join('/')}`);
  const query = fc.option(fc.string({ unit: fc.constantFrom('a', '/', '.', '?', '=', '%', '2', 'e'), maxLength: 10 }), { nil: undefined });
  const url = fc.tuple(path, query).map(([p, q]) => (q === undefined ? p : `${p}?${q}`));

  it('follows RFC 3986 §5.2.4 on the path and keeps the query as sent', () => {
    fc.assert(
      fc.property(path, query, (p, q) => {
        const normalised = removeDotSegments(q === undefined ? p : `${p}?${q}`);
        expect(normalised).toBe(q === undefined ? rfcRemoveDotSegments(p) : `${rfcRemoveDotSegments(p)}?${q}`);
      }),
      { numRuns },
    );
  });

  it('is idempotent and leaves no dot segment', () => {
    fc.assert(
      fc.property(url, (u) => {
        const once = removeDotSegments(u);
        expect(removeDotSegments(once)).toBe(once);
        expect(once.startsWith('/')).toBe(true);
        expect(once.split('?', 1)[0]!.split('/').some(isDotSegment)).toBe(false);
      }),
      { numRuns },
    );
  });

  it('never climbs above the root: /.. in front changes nothing', () => {
    fc.assert(
      fc.property(url, (u) => {
        expect(removeDotSegments(`/..${u}`)).toBe(removeDotSegments(u));
      }),
      { numRuns },
    );
  });

  it('returns a path without dot segments as it is', () => {
    const plain = fc.array(segment.filter((s) => !isDotSegment(s)), { maxLength: 12 }).map((segments) => `/${segments.join('/')}`);
    fc.assert(
      fc.property(plain, query, (p, q) => {
        const u = q === undefined ? p : `${p}?${q}`;
        expect(removeDotSegments(u)).toBe(u);
      }),
      { numRuns },
    );
  });
});

describe('resolveTarget', () => {
  const resolve = (head: Partial<TargetHead>): ResolvedTarget & { refused?: string } => {
    const out: ResolvedTarget = { host: undefined, url: '', authority: undefined };
    const refusal = resolveTarget({ method: 'GET', target: '/', hostHeader: 'app.test', hostHeaders: 1, transferEncoding: undefined, ...head }, out);
    return refusal === undefined ? out : { ...out, refused: refusal.code };
  };

  it('routes origin-form by Host and absolute-form by its authority', () => {
    expect(resolve({ target: '/a/../b?q', hostHeader: 'App.Test:80' })).toEqual({ host: 'app.test', url: '/b?q', authority: undefined });
    expect(resolve({ target: 'http://Shop.Test:8080/x/./y', hostHeader: 'a b' })).toEqual({ host: 'shop.test', url: '/x/y', authority: 'Shop.Test:8080' });
    expect(resolve({ target: 'https://shop.test?q', hostHeader: undefined, hostHeaders: 0 })).toEqual({ host: 'shop.test', url: '/?q', authority: 'shop.test' });
    expect(resolve({ target: '*', method: 'OPTIONS' })).toEqual({ host: 'app.test', url: '*', authority: undefined });
    expect(resolve({ target: '/x', hostHeader: undefined, hostHeaders: 0 })).toEqual({ host: undefined, url: '/x', authority: undefined });
  });

  it.each([
    [{ transferEncoding: 'xchunked' }, 'SKIFF_UNSUPPORTED_TRANSFER_ENCODING'],
    [{ transferEncoding: 'gzip, chunked' }, 'SKIFF_UNSUPPORTED_TRANSFER_ENCODING'],
    [{ transferEncoding: 'chunked, chunked' }, 'SKIFF_UNSUPPORTED_TRANSFER_ENCODING'],
    [{ hostHeaders: 2 }, 'SKIFF_INVALID_HOST'],
    [{ hostHeader: 'a b' }, 'SKIFF_INVALID_HOST'],
    [{ target: 'ftp://x/' }, 'SKIFF_INVALID_REQUEST_TARGET'],
    [{ target: 'http:///x' }, 'SKIFF_INVALID_REQUEST_TARGET'],
    [{ target: 'http://u@x/' }, 'SKIFF_INVALID_REQUEST_TARGET'],
    [{ target: 'http://x/#f' }, 'SKIFF_INVALID_REQUEST_TARGET'],
    [{ target: 'x:80' }, 'SKIFF_INVALID_REQUEST_TARGET'],
    [{ target: '*' }, 'SKIFF_INVALID_REQUEST_TARGET'],
  ])('%j is refused with %s', (head, code) => {
    expect(resolve(head).refused).toBe(code);
  });

  it('accepts chunked in any case, with spaces around', () => {
    expect(resolve({ transferEncoding: ' Chunked ' }).refused).toBeUndefined();
  });
});
