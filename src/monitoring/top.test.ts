import { describe, expect, it } from 'vitest';
import { RecentSamples } from './recent.js';
import type { EnvironmentSample } from './sources.js';
import { topView } from './top.js';

const missing = 'metrics-server is not installed in the cluster (metrics.k8s.io); install it to see usage';

const sample = (extra: Partial<EnvironmentSample> = {}): EnvironmentSample => ({
  environment: 'cluster',
  instances: [{ id: 'web-abc', environment: 'cluster', service: 'web', release: 'v1', state: 'ready', restarts: 0, startedAt: 0, cpuSeconds: null, rssBytes: null }],
  desired: [{ service: 'web', release: 'v1', instances: 1 }],
  routerMetrics: null,
  routeTable: null,
  certificates: [],
  ...extra,
});

describe('topView without usage', () => {
  it("carries the latest sample's reason why there is no CPU and memory", () => {
    const recent = new RecentSamples();
    recent.record(sample({ usageUnavailable: missing }), 1_000);
    const view = topView(recent, 'cluster', 10_000);
    expect(view.usageUnavailable).toBe(missing);
    expect(view.services[0]).toMatchObject({ service: 'web', cpu: null, memoryBytes: null });
  });

  it('has no reason when the latest sample gives none', () => {
    const recent = new RecentSamples();
    recent.record(sample({ usageUnavailable: missing }), 1_000);
    recent.record(sample(), 3_000);
    expect(topView(recent, 'cluster', 10_000)).not.toHaveProperty('usageUnavailable');
  });
});
