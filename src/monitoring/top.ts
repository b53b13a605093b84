/** `skiff top`'s table: per service, the traffic and usage of the last seconds. */
import type { RecentSamples } from './recent.js';
import { groupBy } from '../core/group-by.js';
import { errorRate, quantile, requestRate } from './traffic.js';

export interface TopRow {
  readonly service: string;
  readonly rps: number | null;
  readonly errorRate: number | null;
  /** Seconds. */
  readonly p50: number | null;
  readonly p99: number | null;
  readonly ready: number;
  readonly desired: number;
  /** CPU cores used on average over the window, all instances together. */
  readonly cpu: number | null;
  readonly memoryBytes: number | null;
}

export interface TopView {
  readonly environment: string;
  /** ISO time of the newest sample; null before the first. */
  readonly sampledAt: string | null;
  readonly windowSeconds: number;
  readonly services: readonly TopRow[];
  /** Why there is no CPU and memory (a cluster without metrics-server); absent when there is, or nothing says why not. */
  readonly usageUnavailable?: string;
}

export function topView(recent: RecentSamples, environment: string, windowMs: number): TopView {
  const latest = recent.latest(environment);
  if (!latest) return { environment, sampledAt: null, windowSeconds: windowMs / 1000, services: [] };
  const earlier = recent.before(environment, latest.time - windowMs);
  const services = [...new Set([...latest.desired.map((d) => d.service), ...latest.instances.map((i) => i.service)])].sort();
  // Indexed once: a thousand services of five instances each made the per-service scans quadratic.
  const instancesOf = groupBy(latest.instances, (i) => i.service);
  const earlierById = new Map((earlier?.instances ?? []).map((i) => [i.id, i]));
  const desiredOf = new Map(latest.desired.map((d) => [d.service, d.instances]));
  return {
    environment,
    sampledAt: new Date(latest.time).toISOString(),
    windowSeconds: windowMs / 1000,
    ...(latest.usageUnavailable ? { usageUnavailable: latest.usageUnavailable } : {}),
    services: services.map((service): TopRow => {
      const traffic = recent.traffic(environment, service, windowMs);
      const instances = instancesOf.get(service) ?? [];
      const memory = instances.filter((i) => i.rssBytes !== null);
      let cpu: number | null = null;
      if (earlier && latest.time > earlier.time) {
        let used = 0;
        let measured = false;
        for (const instance of instances) {
          const before = earlierById.get(instance.id);
          if (instance.cpuSeconds === null || before?.cpuSeconds == null || instance.cpuSeconds < before.cpuSeconds) continue;
          used += instance.cpuSeconds - before.cpuSeconds;
          measured = true;
        }
        cpu = measured ? used / ((latest.time - earlier.time) / 1000) : null;
      }
      return {
        service,
        rps: traffic ? requestRate(traffic) : null,
        errorRate: traffic ? errorRate(traffic) : null,
        p50: traffic ? quantile(traffic, 0.5) : null,
        p99: traffic ? quantile(traffic, 0.99) : null,
        ready: instances.filter((i) => i.state === 'ready').length,
        desired: desiredOf.get(service) ?? 0,
        cpu,
        memoryBytes: memory.length ? memory.reduce((sum, i) => sum + (i.rssBytes as number), 0) : null,
      };
    }),
  };
}
