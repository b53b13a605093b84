import { describe, expect, it } from 'vitest';
import { mergeSnapshots, renderPrometheus, RouterMetrics } from '../../router/metrics.js';
import { serviceLoads } from './router-load.js';

describe('serviceLoads', () => {
  it('sums in-flight and answered requests per service over routes, releases and workers, for one environment', () => {
    const workers = [new RouterMetrics(), new RouterMetrics()];
    workers.forEach((metrics, index) => {
      const v1 = metrics.get({ route: 'dev/web/0', service: 'web', environment: 'dev', release: 'v1' });
      const v2 = metrics.get({ route: 'dev/web/1', service: 'web', environment: 'dev', release: 'v2' });
      v1.inFlight = 3 + index;
      v2.inFlight = 1;
      v1.respond(200);
      v2.respond(503);
      // The router's own answers (no instance) count as requests too: they are demand.
      metrics.get({ route: 'dev/web/0', service: 'web', environment: 'dev', release: '' }).respond(503);
      metrics.get({ route: 'prod/web/0', service: 'web', environment: 'prod', release: 'v1' }).inFlight = 50;
    });
    const loads = serviceLoads(renderPrometheus(mergeSnapshots(workers.map((m) => m.snapshot()))), 'dev');
    expect([...loads]).toEqual([['web', { inFlight: 9, requests: 6 }]]);
  });
});
