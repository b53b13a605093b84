import { describe, expect, it } from 'vitest';
import type { TopView } from '../../api/monitoring-port.js';
import { formatTop } from './top.js';

const missing = 'metrics-server is not installed in the cluster (metrics.k8s.io); install it to see usage';
const view: TopView = {
  environment: 'cluster',
  sampledAt: '2026-12-06T22:00:00.000Z',
  windowSeconds: 10,
  services: [{ service: 'web', rps: null, errorRate: null, p50: null, p99: null, ready: 1, desired: 1, cpu: null, memoryBytes: null }],
};

describe('formatTop', () => {
  it('says under the table why there is no CPU and memory', () => {
    const lines = formatTop({ ...view, usageUnavailable: missing });
    expect(lines.at(-2)).toMatch(/^web\s+-\s+-\s+-\s+-\s+1\/1\s+-\s+-$/);
    expect(lines.at(-1)).toBe(missing);
  });

  it('adds no line when nothing says why', () => {
    expect(formatTop(view).at(-1)).toMatch(/^web\s/);
  });
});
