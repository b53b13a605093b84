import { describe, expect, it } from 'vitest';
import type { BalanceKind } from '../core/route-table.js';
import { pickBackend, type BalancedBackend } from './balancer.js';

interface Named extends BalancedBackend {
  readonly name: string;
  readonly upstream: { inFlight: number };
}

function routeOf(balance: BalanceKind, loads: number[]) {
  const backends: Named[] = loads.map((inFlight, i) => ({ name: `b${i}`, upstream: { inFlight } }));
  return { balance, backends, cursor: 0 };
}

function picks(route: ReturnType<typeof routeOf>, count: number): string[] {
  return Array.from({ length: count }, () => pickBackend(route)?.name ?? 'none');
}

describe('pickBackend', () => {
  it('round-robin cycles through every backend', () => {
    expect(picks(routeOf('round-robin', [0, 5, 9]), 6)).toEqual(['b0', 'b1', 'b2', 'b0', 'b1', 'b2']);
  });

  it('least-request picks the backend with the fewest requests in flight', () => {
    expect(picks(routeOf('least-request', [3, 1, 2]), 3)).toEqual(['b1', 'b1', 'b1']);
  });

  it('least-request spreads ties instead of always taking the first', () => {
    const chosen = picks(routeOf('least-request', [0, 0, 0]), 6);
    expect(new Set(chosen)).toEqual(new Set(['b0', 'b1', 'b2']));
  });

  it('avoids the given upstream, and finds nothing when it is the only one', () => {
    const route = routeOf('least-request', [5, 0]);
    const idle = route.backends[1]!;
    expect(pickBackend(route, idle.upstream)?.name).toBe('b0');
    const single = routeOf('round-robin', [0]);
    expect(pickBackend(single, single.backends[0]!.upstream)).toBeUndefined();
    expect(pickBackend(routeOf('round-robin', []))).toBeUndefined();
  });

  it('skips ejected upstreams until their ejection ends, and uses them when every one is ejected', () => {
    for (const balance of ['round-robin', 'least-request'] as const) {
      const route = routeOf(balance, [0, 0]);
      (route.backends[0]!.upstream as { ejectedUntil?: number }).ejectedUntil = 1_000;
      expect(Array.from({ length: 4 }, () => pickBackend(route, null, 500)?.name)).toEqual(['b1', 'b1', 'b1', 'b1']);
      expect(new Set(Array.from({ length: 4 }, () => pickBackend(route, null, 1_000)?.name))).toEqual(new Set(['b0', 'b1']));
      (route.backends[1]!.upstream as { ejectedUntil?: number }).ejectedUntil = 1_000;
      expect(pickBackend(route, null, 500)).toBeDefined();
    }
  });
});
