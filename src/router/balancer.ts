/** Picks one backend of a route: least in-flight requests, or plain round-robin. No allocation. */
import { assertNever } from '../core/assert-never.js';
import type { BalanceKind } from '../core/route-table.js';

export interface LoadCounter {
  /** Requests sent and not yet finished, across every route that uses this upstream. */
  inFlight: number;
}

export interface BalancedBackend {
  readonly upstream: LoadCounter;
}

export interface BalancedRoute<B extends BalancedBackend> {
  readonly balance: BalanceKind;
  readonly backends: readonly B[];
  cursor: number;
}

/**
 * Returns a backend whose upstream is not `avoid`, or undefined when there is none. The cursor
 * rotates the scan's starting point, so ties under least-request are broken round-robin.
 */
export function pickBackend<B extends BalancedBackend>(
  route: BalancedRoute<B>,
  avoid: LoadCounter | null = null,
): B | undefined {
  const backends = route.backends;
  const count = backends.length;
  if (count === 0) return undefined;
  const start = route.cursor % count;
  route.cursor = start + 1;
  switch (route.balance) {
    case 'round-robin':
      for (let i = 0; i < count; i++) {
        const backend = backends[(start + i) % count] as B;
        if (backend.upstream !== avoid) return backend;
      }
      return undefined;
    case 'least-request': {
      let best: B | undefined;
      let bestLoad = Infinity;
      for (let i = 0; i < count; i++) {
        const backend = backends[(start + i) % count] as B;
        const load = backend.upstream.inFlight;
        if (load < bestLoad && backend.upstream !== avoid) {
          best = backend;
          bestLoad = load;
          if (load === 0) break;
        }
      }
      return best;
    }
    default:
      return assertNever(route.balance, 'balance kind');
  }
}
