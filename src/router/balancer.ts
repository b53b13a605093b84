/**
 * Picks one backend of a route: least in-flight requests, or plain round-robin. No allocation.
 * Ejected instances (outlier detection) are skipped while another one is available; when every
 * instance is ejected they are used anyway, since a likely failure beats a certain one.
 */
import { assertNever } from '../core/assert-never.js';
import type { BalanceKind } from '../core/route-table.js';

export interface LoadCounter {
  /** Requests sent and not yet finished, across every route that uses this upstream. */
  inFlight: number;
  /** Time (ms since epoch) until which outlier detection keeps this upstream out; 0 when in. */
  ejectedUntil?: number;
}

export interface BalancedBackend {
  readonly upstream: LoadCounter;
}

export interface BalancedRoute<B extends BalancedBackend> {
  readonly balance: BalanceKind;
  readonly backends: readonly B[];
  cursor: number;
}

function usable(upstream: LoadCounter, avoid: LoadCounter | null, nowMs: number, skipEjected: boolean): boolean {
  if (upstream === avoid) return false;
  return !skipEjected || upstream.ejectedUntil === undefined || upstream.ejectedUntil <= nowMs;
}

function scan<B extends BalancedBackend>(
  route: BalancedRoute<B>,
  start: number,
  avoid: LoadCounter | null,
  nowMs: number,
  skipEjected: boolean,
): B | undefined {
  const backends = route.backends;
  const count = backends.length;
  switch (route.balance) {
    case 'round-robin':
      for (let i = 0; i < count; i++) {
        const backend = backends[(start + i) % count] as B;
        if (usable(backend.upstream, avoid, nowMs, skipEjected)) return backend;
      }
      return undefined;
    case 'least-request': {
      let best: B | undefined;
      let bestLoad = Infinity;
      for (let i = 0; i < count; i++) {
        const backend = backends[(start + i) % count] as B;
        const load = backend.upstream.inFlight;
        if (load < bestLoad && usable(backend.upstream, avoid, nowMs, skipEjected)) {
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

/**
 * Returns a backend whose upstream is not `avoid`, or undefined when there is none. The cursor
 * rotates the scan's starting point, so ties under least-request are broken round-robin.
 */
export function pickBackend<B extends BalancedBackend>(
  route: BalancedRoute<B>,
  avoid: LoadCounter | null = null,
  nowMs = 0,
): B | undefined {
  const count = route.backends.length;
  if (count === 0) return undefined;
  const start = route.cursor % count;
  route.cursor = start + 1;
  return scan(route, start, avoid, nowMs, true) ?? scan(route, start, avoid, nowMs, false);
}
