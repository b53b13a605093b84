/** What goes into history at each tick: per service, per release and per instance. */
import { seriesKey } from './history.js';
import type { MetricHistory } from './history.js';
import type { RecentSamples } from './recent.js';
import { topView } from './top.js';
import { errorRate, quantile, requestRate } from './traffic.js';

export const historyMetrics = ['rps', 'errorRate', 'p50', 'p99', 'ready', 'desired', 'cpu', 'memoryBytes'] as const;
export type HistoryMetric = (typeof historyMetrics)[number];

const windowMs = 10_000;

export function recordHistory(history: MetricHistory, recent: RecentSamples, environment: string, now: number): void {
  const view = topView(recent, environment, windowMs);
  for (const row of view.services) {
    for (const metric of historyMetrics) {
      const value = row[metric];
      if (value !== null) history.record(seriesKey({ environment, service: row.service, metric }), now, value);
    }
  }
  const latest = recent.latest(environment);
  if (!latest) return;
  const earlier = recent.before(environment, now - windowMs);
  const releases = new Set(latest.instances.map((i) => `${i.service}@${i.release}`));
  for (const key of releases) {
    const [service, release] = key.split('@') as [string, string];
    const traffic = recent.traffic(environment, key, windowMs);
    if (!traffic) continue;
    const values = { rps: requestRate(traffic), errorRate: errorRate(traffic), p50: quantile(traffic, 0.5), p99: quantile(traffic, 0.99) };
    for (const [metric, value] of Object.entries(values)) {
      if (value !== null) history.record(seriesKey({ environment, service, release, metric }), now, value);
    }
  }
  const earlierById = new Map((earlier?.instances ?? []).map((i) => [i.id, i]));
  for (const instance of latest.instances) {
    const key = (metric: string): string => seriesKey({ environment, service: instance.service, instance: instance.id, metric });
    if (instance.rssBytes !== null) history.record(key('memoryBytes'), now, instance.rssBytes);
    const before = earlierById.get(instance.id);
    if (earlier && instance.cpuSeconds !== null && before?.cpuSeconds != null && latest.time > earlier.time && instance.cpuSeconds >= before.cpuSeconds) {
      history.record(key('cpu'), now, (instance.cpuSeconds - before.cpuSeconds) / ((latest.time - earlier.time) / 1000));
    }
  }
}
