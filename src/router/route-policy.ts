/** A route's resilience settings with every default filled in, computed once per table. Pure. */
import type { RouteEntry } from '../core/route-table.js';

export interface RoutePolicy {
  readonly connectMs: number;
  readonly firstByteMs: number;
  readonly idleMs: number;
  /** 0: no limit on the whole exchange. */
  readonly totalMs: number;
  readonly retryPercent: number;
  readonly retryMinPerSecond: number;
  /** 0: no outlier ejection. */
  readonly consecutiveFailures: number;
  readonly ejectionMs: number;
  readonly maxConcurrent: number;
  /** 0: answer 503 at once when no instance is ready. */
  readonly holdMs: number;
  readonly maxPending: number;
  /** 0: no limit. */
  readonly maxBodyBytes: number;
  readonly rateLimit: { readonly perSecond: number; readonly burst: number; readonly header: string | undefined } | undefined;
}

export const policyDefaults = {
  connectMs: 5_000,
  firstByteMs: 60_000,
  idleMs: 60_000,
  totalMs: 0,
  retryPercent: 20,
  retryMinPerSecond: 3,
  consecutiveFailures: 5,
  ejectionMs: 10_000,
  maxConcurrent: 10_000,
  holdMs: 10_000,
  maxPending: 1_000,
  maxBodyBytes: 64 * 1024 * 1024,
} as const;

export function routePolicy(entry: RouteEntry): RoutePolicy {
  const t = entry.timeouts ?? {};
  const breaker = entry.circuitBreaker ?? {};
  const rate = entry.rateLimit;
  return {
    connectMs: t.connectMs ?? policyDefaults.connectMs,
    firstByteMs: t.firstByteMs ?? policyDefaults.firstByteMs,
    idleMs: t.idleMs ?? policyDefaults.idleMs,
    totalMs: t.totalMs ?? policyDefaults.totalMs,
    retryPercent: entry.retryBudget?.percent ?? policyDefaults.retryPercent,
    retryMinPerSecond: entry.retryBudget?.minPerSecond ?? policyDefaults.retryMinPerSecond,
    consecutiveFailures: breaker.consecutiveFailures ?? policyDefaults.consecutiveFailures,
    ejectionMs: breaker.ejectionMs ?? policyDefaults.ejectionMs,
    maxConcurrent: breaker.maxConcurrent ?? policyDefaults.maxConcurrent,
    holdMs: entry.hold?.timeoutMs ?? policyDefaults.holdMs,
    maxPending: entry.hold?.maxPending ?? policyDefaults.maxPending,
    maxBodyBytes: entry.maxBodyBytes ?? policyDefaults.maxBodyBytes,
    rateLimit:
      rate === undefined
        ? undefined
        : { perSecond: rate.requestsPerSecond, burst: rate.burst ?? rate.requestsPerSecond, header: rate.header?.toLowerCase() },
  };
}
