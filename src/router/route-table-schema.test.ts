import { describe, expect, it } from 'vitest';
import { isSkiffError, type SkiffError } from '../core/errors.js';
import { parseRouteTable } from './route-table-schema.js';
import { route, table } from './test-fixtures.js';

const backends = [{ id: 'a', release: 'v1', host: '127.0.0.1', port: 1234 }];

function rejection(value: unknown): SkiffError {
  try {
    parseRouteTable(value);
  } catch (err) {
    if (isSkiffError(err)) return err;
    throw err;
  }
  throw new Error('the table was accepted');
}

function withRoute(fields: Record<string, unknown>): unknown {
  return table(2, [{ ...route({ backends }), ...fields } as never]);
}

describe('routing table schema: release weights, matches and mirror', () => {
  it('keeps an older table without the new fields valid and unchanged', () => {
    const old = table(1, [route({ backends })]);
    expect(parseRouteTable(JSON.parse(JSON.stringify(old)))).toEqual(old);
  });

  it('accepts weights summing to 100 within rounding, matches, and a mirror with defaults filled in', () => {
    const parsed = parseRouteTable(
      withRoute({
        weights: { v1: 66.67, v2: 33.33 },
        releaseMatches: [
          { match: { kind: 'header', name: 'x-canary', value: '1' }, release: 'v2' },
          { match: { kind: 'cookie', name: 'Beta', value: 'yes' }, release: 'v2' },
        ],
        mirror: { candidateRelease: 'v3', percent: 12.5, ignoreFields: ['meta.time', 'items.*.id'] },
      }),
    );
    const entry = parsed.routes[0]!;
    expect(entry.weights).toEqual({ v1: 66.67, v2: 33.33 });
    expect(entry.releaseMatches).toHaveLength(2);
    expect(entry.mirror).toEqual({
      candidateRelease: 'v3',
      percent: 12.5,
      methods: ['GET', 'HEAD', 'OPTIONS'],
      compareHeaders: [],
      ignoreFields: ['meta.time', 'items.*.id'],
    });
    expect(parseRouteTable(withRoute({ weights: { v1: 100, v2: 0 } })).routes[0]!.weights).toEqual({ v1: 100, v2: 0 });
  });

  it.each([
    ['weights not summing to 100', { weights: { v1: 90, v2: 5 } }, 'routes.0.weights', /sum to 100/],
    ['a negative weight', { weights: { v1: 110, v2: -10 } }, 'routes.0.weights.v2', /0|negative|>=/],
    ['empty weights', { weights: {} }, 'routes.0.weights', /at least one release/],
    ['an upper-case match header', { releaseMatches: [{ match: { kind: 'header', name: 'X-Canary', value: '1' }, release: 'v2' }] }, 'routes.0.releaseMatches.0.match.name', /lowercase/],
    ['an unknown match kind', { releaseMatches: [{ match: { kind: 'query', name: 'a', value: '1' }, release: 'v2' }] }, 'routes.0.releaseMatches.0.match.kind', /./],
    ['a match without release', { releaseMatches: [{ match: { kind: 'cookie', name: 'a', value: '1' } }] }, 'routes.0.releaseMatches.0.release', /./],
    ['a mirror percent above 100', { mirror: { candidateRelease: 'v2', percent: 101 } }, 'routes.0.mirror.percent', /100/],
    ['a mirror without candidate', { mirror: { percent: 5 } }, 'routes.0.mirror.candidateRelease', /./],
    ['a malformed ignore path', { mirror: { candidateRelease: 'v2', percent: 5, ignoreFields: ['a..b'] } }, 'routes.0.mirror.ignoreFields.0', /field path/],
    ['an unknown mirror key', { mirror: { candidateRelease: 'v2', percent: 5, sample: 3 } }, 'routes.0.mirror', /sample/],
  ])('rejects %s with the field path', (_name, fields, path, message) => {
    const error = rejection(withRoute(fields));
    expect(error.code).toBe('SKIFF_BAD_REQUEST');
    const detail = error.details.find((d) => d.path === path);
    expect(detail, JSON.stringify(error.details)).toBeDefined();
    expect(detail!.message).toMatch(message);
    expect(error.message).toContain(path);
  });
});
