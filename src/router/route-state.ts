/**
 * What the data plane keeps per route beside the compiled table: the policy with defaults, the
 * retry budget, the rate limiter, the service's concurrency counter and the route's own metric
 * series. Stateful parts are reused across table updates while their settings stay the same, so
 * publishing a table does not reset a rate limit or a concurrency count.
 */
import type { RouteEntry } from '../core/route-table.js';
import type { MetricSeries, RouterMetrics } from './metrics.js';
import { RateLimiter } from './rate-limiter.js';
import type { RouteTraffic, TrafficBackend } from './release-picker.js';
import { RetryBudget } from './retry-budget.js';
import { routePolicy, type RoutePolicy } from './route-policy.js';

/** Requests in flight for one service (`environment/service`), across its routes. */
export interface ServiceLimiter {
  inFlight: number;
}

export interface RouteState<B extends TrafficBackend = TrafficBackend> {
  readonly policy: RoutePolicy;
  readonly budget: RetryBudget;
  readonly rateLimiter: RateLimiter | undefined;
  readonly limiter: ServiceLimiter;
  /** The route's series with an empty release: answers given before an instance was chosen. */
  readonly series: MetricSeries;
  /** Release choice and mirroring; null on plain routes. Set once the table's backends are compiled. */
  traffic: RouteTraffic<B> | null;
}

interface Kept {
  readonly key: string;
  readonly state: Pick<RouteState, 'budget' | 'rateLimiter'>;
}

export class RouteStates {
  private byRoute = new Map<string, Kept>();
  private limiters = new Map<string, ServiceLimiter>();

  constructor(private readonly metrics: RouterMetrics) {}

  /** Builds the states of a new table; call `commit` with the result's keys once compiled. */
  build<B extends TrafficBackend>(entries: readonly RouteEntry[]): (entry: RouteEntry) => RouteState<B> {
    const nextByRoute = new Map<string, Kept>();
    const states = new Map<string, RouteState<B>>();
    const nextLimiters = new Map<string, ServiceLimiter>();
    for (const entry of entries) {
      const policy = routePolicy(entry);
      const serviceKey = `${entry.environment}/${entry.service}`;
      const limiter = nextLimiters.get(serviceKey) ?? this.limiters.get(serviceKey) ?? { inFlight: 0 };
      nextLimiters.set(serviceKey, limiter);
      const key = JSON.stringify([entry.retryBudget, entry.rateLimit]);
      const old = this.byRoute.get(entry.id);
      const reuse = old !== undefined && old.key === key ? old.state : undefined;
      const state: RouteState<B> = {
        policy,
        budget: reuse?.budget ?? new RetryBudget(policy.retryPercent, policy.retryMinPerSecond),
        rateLimiter:
          reuse?.rateLimiter ?? (policy.rateLimit ? new RateLimiter(policy.rateLimit.perSecond, policy.rateLimit.burst) : undefined),
        limiter,
        series: this.metrics.get({ route: entry.id, service: entry.service, environment: entry.environment, release: '' }),
        traffic: null,
      };
      nextByRoute.set(entry.id, { key, state });
      states.set(entry.id, state);
    }
    this.byRoute = nextByRoute;
    this.limiters = nextLimiters;
    return (entry) => states.get(entry.id) as RouteState<B>;
  }
}
