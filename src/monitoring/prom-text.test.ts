import { describe, expect, it } from 'vitest';
import { mergeExpositions, parsePrometheusText, renderFamilies } from './prom-text.js';
import { delta, errorRate, quantile, trafficByService } from './traffic.js';

const router = (requests: number, errors: number, fast: number, slow: number): string => `# HELP skiff_router_requests_total Requests.
# TYPE skiff_router_requests_total counter
skiff_router_requests_total{route="dev/web/0",service="web",environment="dev",release="v1"} ${requests}
# TYPE skiff_router_responses_total counter
skiff_router_responses_total{route="dev/web/0",service="web",environment="dev",release="v1",code="2xx"} ${requests - errors}
skiff_router_responses_total{route="dev/web/0",service="web",environment="dev",release="v1",code="5xx"} ${errors}
# TYPE skiff_router_request_duration_seconds histogram
skiff_router_request_duration_seconds_bucket{route="dev/web/0",service="web",environment="dev",release="v1",le="0.1"} ${fast}
skiff_router_request_duration_seconds_bucket{route="dev/web/0",service="web",environment="dev",release="v1",le="1"} ${fast + slow}
skiff_router_request_duration_seconds_bucket{route="dev/web/0",service="web",environment="dev",release="v1",le="+Inf"} ${fast + slow}
skiff_router_request_duration_seconds_sum{route="dev/web/0",service="web",environment="dev",release="v1"} 1
skiff_router_request_duration_seconds_count{route="dev/web/0",service="web",environment="dev",release="v1"} ${fast + slow}
# TYPE skiff_router_unmatched_requests_total counter
skiff_router_unmatched_requests_total 4
`;

describe('Prometheus text', () => {
  it('reads families back with their samples and labels', () => {
    const families = parsePrometheusText(router(10, 1, 8, 2));
    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['skiff_router_requests_total', 'counter', 1],
      ['skiff_router_responses_total', 'counter', 2],
      ['skiff_router_request_duration_seconds', 'histogram', 5],
      ['skiff_router_unmatched_requests_total', 'counter', 1],
    ]);
    expect(families[2]?.samples[2]?.labels['le']).toBe('+Inf');
  });

  it('merges two routers into one family each, labelling unlabelled samples with their environment', () => {
    const merged = renderFamilies(mergeExpositions([
      { environment: 'dev', text: router(1, 0, 1, 0) },
      { environment: 'prod', text: router(2, 0, 2, 0).replaceAll('"dev', '"prod') },
    ]));
    expect(merged.match(/# TYPE skiff_router_unmatched_requests_total/g)).toHaveLength(1);
    expect(merged).toContain('skiff_router_unmatched_requests_total{environment="dev"} 4');
    expect(merged).toContain('skiff_router_unmatched_requests_total{environment="prod"} 4');
  });

  it('computes error rate and quantiles from the difference of two scrapes', () => {
    const older = trafficByService(router(100, 0, 100, 0)).get('web');
    const newer = trafficByService(router(200, 10, 190, 10)).get('web@v1');
    const d = delta(older, newer!, 10);
    expect(d.requests).toBe(100);
    expect(errorRate(d)).toBeCloseTo(0.1);
    expect(quantile(d, 0.5)).toBeCloseTo(0.1 * (50 / 90));
    expect(quantile(d, 0.99)).toBeCloseTo(0.1 + 0.9 * ((99 - 90) / 10));
  });
});
