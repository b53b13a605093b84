import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RouteEntry } from '../core/route-table.js';
import { hostKey } from './request-target.js';
import { compileTable, matchRoute, prefixMatches, upstreamPath } from './route-matcher.js';
import { route, table } from './test-fixtures.js';

function compile(routes: RouteEntry[]) {
  return compileTable(table(1, routes), (backend) => backend);
}

function matchedId(routes: RouteEntry[], hostHeader: string | undefined, url: string): string | undefined {
  return matchRoute(compile(routes), hostHeader === undefined ? undefined : hostKey(hostHeader), url)?.id;
}

describe('matchRoute', () => {
  const routes = [
    route({ id: 'any-root', pathPrefix: '/', backends: [] }),
    route({ id: 'any-catalog', pathPrefix: '/catalog', backends: [] }),
    route({ id: 'any-catalog-items', pathPrefix: '/catalog/items/', backends: [] }),
    route({ id: 'shop-root', host: 'Shop.Example', pathPrefix: '/', backends: [] }),
    route({ id: 'admin-api', host: 'admin.example', pathPrefix: '/api', backends: [] }),
  ];

  it.each([
    [undefined, '/', 'any-root'],
    ['other.example', '/catalog', 'any-catalog'],
    ['other.example', '/catalog/', 'any-catalog'],
    ['other.example', '/catalog/x?y=1', 'any-catalog'],
    ['other.example', '/catalog?y=1', 'any-catalog'],
    ['other.example', '/catalogue', 'any-root'],
    ['other.example', '/catalog/items', 'any-catalog-items'],
    ['other.example', '/catalog/items/42', 'any-catalog-items'],
    ['other.example', '/catalog/itemsx', 'any-catalog'],
    // A host's routes win over host-less routes, even with a shorter prefix.
    ['shop.example', '/catalog/items/42', 'shop-root'],
    ['SHOP.example:8080', '/catalog', 'shop-root'],
    // A host whose routes do not match the path falls back to the host-less routes.
    ['admin.example', '/api/users', 'admin-api'],
    ['admin.example', '/catalog', 'any-catalog'],
  ])('host %s, url %s → %s', (host, url, expected) => {
    expect(matchedId(routes, host, url)).toBe(expected);
  });

  it('finds nothing when no route matches', () => {
    const onlyApi = [route({ id: 'api', pathPrefix: '/api', backends: [] })];
    expect(matchedId(onlyApi, 'x', '/')).toBeUndefined();
    expect(matchedId(onlyApi, 'x', '/apis')).toBeUndefined();
  });

  it('keeps the table order among routes with the same prefix', () => {
    const twins = [route({ id: 'first', backends: [] }), route({ id: 'second', backends: [] })];
    expect(matchedId(twins, undefined, '/x')).toBe('first');
  });

  it('chooses the longest prefix that matches on a segment boundary, for any path', () => {
    const segment = fc.stringMatching(/^[a-c]{1,2}$/);
    const prefixArb = fc.array(segment, { maxLength: 3 }).map((parts) => `/${parts.join('/')}`);
    fc.assert(
      fc.property(fc.uniqueArray(prefixArb, { minLength: 1, maxLength: 6 }), prefixArb, (prefixes, path) => {
        const entries = prefixes.map((prefix) => route({ id: prefix, pathPrefix: prefix, backends: [] }));
        const found = matchedId(entries, undefined, path);
        const candidates = prefixes.filter((p) => p === '/' || path === p || path.startsWith(`${p}/`));
        const longest = candidates.sort((a, b) => b.length - a.length)[0];
        expect(found).toBe(longest);
      }),
    );
  });
});

describe('prefixMatches', () => {
  it('treats a trailing slash in the table like none', () => {
    const compiled = compile([route({ id: 'c', pathPrefix: '/catalog/', backends: [] })]);
    expect(compiled.anyHost[0]?.prefix).toBe('/catalog');
    expect(prefixMatches('/catalog', '/catalog')).toBe(true);
    expect(prefixMatches('/catalog', '/catalogue')).toBe(false);
  });
});

describe('upstreamPath', () => {
  it.each([
    ['/catalog', true, '/catalog', '/'],
    ['/catalog', true, '/catalog/', '/'],
    ['/catalog', true, '/catalog/items/1', '/items/1'],
    ['/catalog', true, '/catalog?page=2', '/?page=2'],
    ['/catalog', true, '/catalog/x?y', '/x?y'],
    ['/catalog', false, '/catalog/x?y', '/catalog/x?y'],
    ['/', true, '/x?y', '/x?y'],
  ])('prefix %s strip %s: %s → %s', (prefix, stripPrefix, url, expected) => {
    expect(upstreamPath({ prefix, stripPrefix }, url)).toBe(expected);
  });
});
