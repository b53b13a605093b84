/**
 * Instances' usage from metrics-server's PodMetrics (metrics.k8s.io/v1beta1). It reports CPU as a
 * rate (cores averaged over its window), while every reader of InstanceUsage (top, the usage
 * history, the autoscaler) takes cumulative CPU seconds and divides their difference by the time
 * between two reads; so the rate read is integrated here, per pod, over the time since the pod's
 * previous read. Memory is the working set, summed over the pod's containers.
 */
import type { Clock } from '../../../core/clock.js';
import { SkiffError } from '../../../core/errors.js';
import type { InstanceUsage } from '../../../core/instance.js';
import { kubeResources, type KubeClient, type KubeObject } from '../client/index.js';
import { parseQuantity } from './quantity.js';

export const METRICS_API_MISSING = 'metrics-server is not installed in the cluster (metrics.k8s.io); install it to see usage';

interface PodMetrics extends KubeObject {
  readonly containers?: readonly { readonly usage?: { readonly cpu?: string; readonly memory?: string } }[];
}

interface PodCounter {
  cpuSeconds: number;
  readAt: number;
}

/** How long a missing metrics API is believed missing before it is looked for again (it may be installed meanwhile). */
const recheckMissingMs = 30_000;
/** A pod not read for this long is forgotten (it has gone). */
const forgetAfterMs = 10 * 60_000;

export class PodUsage {
  private readonly counters = new Map<string, PodCounter>();
  /** When the metrics API was last found missing; null while it is there (or not yet looked for). */
  private missingAt: number | null = null;

  constructor(private readonly deps: { readonly client: KubeClient; readonly clock: Clock }) {}

  /** Why usage cannot be read, for people; null when it can. */
  unavailable(): string | null {
    return this.missingAt === null ? null : METRICS_API_MISSING;
  }

  /** The pod's usage; null while metrics-server has none for it, or there is no metrics API. */
  async usage(pod: string): Promise<InstanceUsage | null> {
    const now = this.deps.clock.now();
    if (this.missingAt !== null && now - this.missingAt < recheckMissingMs) return null;
    const metrics = await this.deps.client.get<PodMetrics>(kubeResources.PodMetrics, pod);
    if (!metrics) {
      await this.checkApi(now);
      return null;
    }
    this.missingAt = null;
    this.forgetOld(now);
    let cores = 0;
    let memoryBytes = 0;
    for (const container of metrics.containers ?? []) {
      cores += parseQuantity(container.usage?.cpu ?? '0') ?? 0;
      memoryBytes += parseQuantity(container.usage?.memory ?? '0') ?? 0;
    }
    const counter = this.counters.get(pod) ?? { cpuSeconds: 0, readAt: now };
    counter.cpuSeconds += (cores * Math.max(0, now - counter.readAt)) / 1000;
    counter.readAt = now;
    this.counters.set(pod, counter);
    return { cpuSeconds: counter.cpuSeconds, rssBytes: Math.round(memoryBytes) };
  }

  /** A 404 for one pod is either a pod metrics-server has not scraped yet or no metrics API at all: a list tells which. */
  private async checkApi(now: number): Promise<void> {
    try {
      await this.deps.client.list(kubeResources.PodMetrics, { limit: 1 });
      this.missingAt = null;
    } catch (error) {
      if (!(error instanceof SkiffError) || error.code !== 'SKIFF_KUBE_NOT_FOUND') throw error;
      this.missingAt = now;
    }
  }

  private forgetOld(now: number): void {
    for (const [pod, counter] of this.counters) if (now - counter.readAt > forgetAfterMs) this.counters.delete(pod);
  }
}
