import { describe, expect, it } from 'vitest';
import { compileIgnoreFields, diffJson } from './json-diff.js';

const none = compileIgnoreFields([]);

describe('diffJson', () => {
  it('finds nothing between equal values whatever the key order', () => {
    expect(diffJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, none)).toEqual([]);
  });

  it('reports changed, missing and added fields with concrete and key paths', () => {
    const found = diffJson({ a: 1, items: [{ id: 1, price: 5 }, { id: 2, price: 6 }], gone: true }, { a: 2, items: [{ id: 1, price: 5 }, { id: 2, price: 7 }], extra: null }, none);
    expect(found).toEqual([
      { path: 'a', keyPath: 'a', trusted: 1, candidate: 2 },
      { path: 'items.1.price', keyPath: 'items.*.price', trusted: 6, candidate: 7 },
      { path: 'gone', keyPath: 'gone', trusted: true, candidate: undefined },
      { path: 'extra', keyPath: 'extra', trusted: undefined, candidate: null },
    ]);
  });

  it('reports a type change and an array length change at their path, and the root', () => {
    expect(diffJson({ a: '1' }, { a: 1 }, none)).toEqual([{ path: 'a', keyPath: 'a', trusted: '1', candidate: 1 }]);
    expect(diffJson({ l: [1] }, { l: [1, 2] }, none)).toEqual([{ path: 'l', keyPath: 'l', trusted: '(1 items)', candidate: '(2 items)' }]);
    expect(diffJson([1], { a: 1 }, none)).toEqual([{ path: '', keyPath: '', trusted: [1], candidate: { a: 1 } }]);
  });

  it('ignores named paths with their subtree, with * matching any key or index', () => {
    const ignore = compileIgnoreFields(['meta', 'items.*.id', '*.requestId']);
    const trusted = { meta: { t: 1 }, items: [{ id: 'x', n: 1 }], inner: { requestId: 'a' }, requestId: 'r1' };
    const candidate = { meta: { t: 2 }, items: [{ id: 'y', n: 1 }], inner: { requestId: 'b' }, requestId: 'r2' };
    expect(diffJson(trusted, candidate, ignore)).toEqual([{ path: 'requestId', keyPath: 'requestId', trusted: 'r1', candidate: 'r2' }]);
    expect(diffJson({ meta: 1 }, {}, ignore)).toEqual([]);
  });

  it('stops at the limit', () => {
    const a = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const b = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, -i - 1]));
    expect(diffJson(a, b, none, 7)).toHaveLength(7);
  });
});
