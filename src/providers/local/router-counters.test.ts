import { describe, expect, it } from 'vitest';
import { renderPrometheus } from '../../router/metrics.js';
import type { MetricsSnapshot } from '../../router/metrics.js';
import { serviceCounters } from './router-counters.js';

// requests, 1xx..5xx, connectFailures, timeouts, retries, inFlight, requestBytes, responseBytes, sumMs, 14 buckets.
// A failed attempt the router did not retry is a 5xx answer and a connection failure at once; a
// retried one is a connection failure and a retry: each counts as one error. Attempts still in
// flight have been counted in requests_total but have no outcome yet.
function series(route: string, service: string, release: string, answered: number, fiveXx: number, retried: number, buckets: number[], inFlight = 0) {
  const attempts = answered + retried + inFlight;
  return {
    labels: { route, service, environment: 'dev', release },
    values: [attempts, 0, answered - fiveXx, 0, 0, fiveXx, fiveXx + retried, 0, retried, inFlight, 0, 0, 0, ...buckets],
  };
}

const buckets = (fast: number, slow: number) => [0, 0, fast, 0, 0, 0, 0, slow, 0, 0, 0, 0, 0, 0];

describe('serviceCounters', () => {
  it("sums a service's routes per release from the router's exposition: ended attempts, errors (5xx answers and retried failures, each once), latency buckets", () => {
    const snapshot: MetricsSnapshot = {
      series: [
        series('dev/web/0', 'web', 'v1', 100, 2, 1, buckets(90, 10)),
        series('dev/web/1', 'web', 'v1', 50, 0, 0, buckets(50, 0)),
        series('dev/web/0', 'web', 'v2', 10, 10, 0, buckets(0, 10), 1),
        series('dev/api/0', 'api', 'v1', 999, 999, 0, buckets(999, 0)),
      ],
      unmatched: 0,
      held: 0,
      rejected: {},
    };
    const counters = serviceCounters(renderPrometheus(snapshot), 'dev', 'web', 42);
    expect(counters.at).toBe(42);
    expect(Object.keys(counters.releases).sort()).toEqual(['v1', 'v2']);
    expect(counters.releases['v1']).toMatchObject({ requests: 151, errors: 3, buckets: buckets(140, 10) });
    // A release failing every answer fails 100% of them, however many requests are still in flight.
    expect(counters.releases['v2']).toMatchObject({ requests: 10, errors: 10, buckets: buckets(0, 10) });
    expect(counters.releases['v1']?.boundsMs).toEqual([1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]);
  });
});
