import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RouteEntry } from '../core/route-table.js';
import { pickBackend } from './balancer.js';
import { cookieHas, needsTraffic, RouteTraffic } from './release-picker.js';
import { route } from './test-fixtures.js';

interface FakeBackend {
  readonly id: string;
  readonly release: string;
  readonly upstream: { inFlight: number; ejectedUntil: number };
}

function backend(id: string, release: string): FakeBackend {
  return { id, release, upstream: { inFlight: 0, ejectedUntil: 0 } };
}

function traffic(fields: Partial<RouteEntry>, backends: readonly FakeBackend[], previous?: RouteTraffic<FakeBackend>): RouteTraffic<FakeBackend> {
  const entry = route({ backends: [], ...fields });
  return new RouteTraffic(entry, backends, previous);
}

/** The release of `count` picks without headers. */
function releases(t: RouteTraffic<FakeBackend>, count: number, headers: string[] = []): string[] {
  return Array.from({ length: count }, () => pickBackend(t.pick(headers))?.release ?? 'none');
}

function tally(list: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of list) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

const a = backend('a', 'v1');
const b = backend('b', 'v1');
const c = backend('c', 'v2');
const d = backend('d', 'v3');

describe('release choice', () => {
  it('gives each weighted release exactly its share of every 100 requests, spread out', () => {
    const t = traffic({ weights: { v1: 95, v2: 5 } }, [a, b, c]);
    const first = releases(t, 100);
    expect(tally(first)).toEqual({ v1: 95, v2: 5 });
    expect(tally(releases(t, 100))).toEqual({ v1: 95, v2: 5 });
    // Smooth: the 5 canary requests are not bunched together.
    const positions = first.flatMap((release, i) => (release === 'v2' ? [i] : []));
    expect(Math.min(...positions.slice(1).map((p, i) => p - positions[i]!))).toBeGreaterThanOrEqual(10);
  });

  it('is exact for any integer weights over each window of 100 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (w1, w2raw) => {
        const w2 = Math.min(w2raw, 100 - w1);
        const w3 = 100 - w1 - w2;
        const t = traffic({ weights: { v1: w1, v2: w2, v3: w3 } }, [a, c, d]);
        for (let window = 0; window < 2; window++) {
          const counts = tally(releases(t, 100));
          expect([counts.v1 ?? 0, counts.v2 ?? 0, counts.v3 ?? 0]).toEqual([w1, w2, w3]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('gives the share of a release without backends to the others, and none to releases absent from the weights', () => {
    expect(tally(releases(traffic({ weights: { v1: 50, v9: 50 } }, [a, b, c]), 40))).toEqual({ v1: 40 });
    expect(tally(releases(traffic({ weights: { v1: 100 } }, [a, c]), 20))).toEqual({ v1: 20 });
    expect(tally(releases(traffic({ weights: { v1: 100, v2: 0 } }, [a, c]), 20))).toEqual({ v1: 20 });
  });

  it('uses every backend when no weighted release has one, rather than failing', () => {
    expect(tally(releases(traffic({ weights: { v9: 100 } }, [a, c]), 20))).toEqual({ v1: 10, v2: 10 });
  });

  it('balances within the chosen release only', () => {
    const t = traffic({ weights: { v1: 50, v2: 50 } }, [a, b, c]);
    const ids = Array.from({ length: 40 }, () => pickBackend(t.pick([]))!.id);
    expect(tally(ids)).toEqual({ a: 10, b: 10, c: 20 });
  });

  it('checks header and cookie matches in order before the weights, falling through without backends', () => {
    const t = traffic(
      {
        weights: { v1: 100 },
        releaseMatches: [
          { match: { kind: 'header', name: 'x-preview', value: '1' }, release: 'v9' },
          { match: { kind: 'header', name: 'x-canary', value: 'yes' }, release: 'v2' },
          { match: { kind: 'cookie', name: 'beta', value: 'on' }, release: 'v3' },
        ],
      },
      [a, c, d],
    );
    expect(releases(t, 2, ['X-Canary', 'yes'])).toEqual(['v2', 'v2']);
    expect(releases(t, 1, ['x-canary', 'YES'])).toEqual(['v1']);
    expect(releases(t, 1, ['Cookie', 'theme=dark; beta=on'])).toEqual(['v3']);
    expect(releases(t, 1, ['cookie', 'beta=onx'])).toEqual(['v1']);
    expect(releases(t, 1, ['x-preview', '1'])).toEqual(['v1']);
    // The first match in table order wins.
    expect(releases(t, 1, ['cookie', 'beta=on', 'x-canary', 'yes'])).toEqual(['v2']);
  });

  it('never sends client traffic to the mirror candidate unless a match names it', () => {
    const t = traffic({ mirror: { candidateRelease: 'v2', percent: 100, methods: ['GET'], compareHeaders: [], ignoreFields: [] } }, [a, b, c]);
    expect(tally(releases(t, 30))).toEqual({ v1: 30 });
    const only = traffic({ mirror: { candidateRelease: 'v2', percent: 100, methods: ['GET'], compareHeaders: [], ignoreFields: [] } }, [c]);
    expect(releases(only, 1)).toEqual(['none']);
  });

  it('keeps the round-robin position across tables with the same weights, and restarts it when they change', () => {
    const first = traffic({ weights: { v1: 90, v2: 10 } }, [a, c]);
    const part = releases(first, 50);
    const same = traffic({ weights: { v1: 90, v2: 10 } }, [a, c], first);
    expect(tally([...part, ...releases(same, 50)])).toEqual({ v1: 90, v2: 10 });
    const changed = traffic({ weights: { v1: 80, v2: 20 } }, [a, c], same);
    expect(tally(releases(changed, 100))).toEqual({ v1: 80, v2: 20 });
  });

  it('leaves plain routes on the balancer-only path', () => {
    expect(needsTraffic(route({ backends: [] }))).toBe(false);
    expect(needsTraffic(route({ backends: [], releaseMatches: [] }))).toBe(false);
    expect(needsTraffic(route({ backends: [], weights: { v1: 100 } }))).toBe(true);
  });
});

describe('cookieHas', () => {
  it('finds an exact name=value pair among the cookies', () => {
    expect(cookieHas('a=1; beta=on; c=3', 'beta', 'on')).toBe(true);
    expect(cookieHas('beta=on', 'beta', 'on')).toBe(true);
    expect(cookieHas(' beta=on ;x=y', 'beta', 'on')).toBe(true);
    expect(cookieHas('xbeta=on', 'beta', 'on')).toBe(false);
    expect(cookieHas('beta=one', 'beta', 'on')).toBe(false);
    expect(cookieHas('beta=', 'beta', '')).toBe(true);
    expect(cookieHas('', 'beta', 'on')).toBe(false);
  });
});
