/**
 * metrics.k8s.io/v1beta1 as metrics-server serves it (PodMetrics only): the usage of the running
 * pods' containers, read from the pod runtime when asked. Listed in discovery, so `kubectl top pod`
 * finds it; the fake can run without it, as a cluster without metrics-server does.
 */
import { timestamp, type ContainerUsage } from './controllers/pod-runtime.js';
import { selectorMatcher } from './resource-api.js';
import { typeOfKind } from './resources.js';
import { notFound } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const groupVersion = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** What the runtime reports for a pod's running containers; [] when it has none to report. */
export type PodUsageSource = (pod: KubeObject) => Promise<readonly ContainerUsage[]>;

const prefix = `/apis/${groupVersion}`;

/** The legacy APIGroupList's entry, or the aggregated discovery's item, for /apis. */
export function metricsGroup(aggregated: boolean): object {
  const gv = { groupVersion, version: METRICS_VERSION };
  if (!aggregated) return { name: METRICS_GROUP, versions: [gv], preferredVersion: gv };
  return {
    metadata: { name: METRICS_GROUP },
    versions: [
      {
        version: METRICS_VERSION,
        freshness: 'Current',
        resources: [{ resource: 'pods', responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: 'PodMetrics' }, scope: 'Namespaced', singularResource: '', verbs: ['get', 'list'] }],
      },
    ],
  };
}

export class MetricsApi {
  constructor(
    private readonly store: ObjectStore,
    private readonly usage: PodUsageSource,
  ) {}

  /** The answer to a GET of `path` under /apis/metrics.k8s.io/v1beta1, or undefined when the path is not the metrics API's. */
  async serve(path: string, labelSelector: string | null): Promise<object | undefined> {
    if (path === prefix) {
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion,
        resources: [{ name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] }],
      };
    }
    if (!path.startsWith(`${prefix}/`)) return undefined;
    const target = podsTarget(path.slice(prefix.length + 1).split('/'));
    if (!target) return undefined;
    const { namespace, name } = target;
    const matches = selectorMatcher(labelSelector ? { labelSelector } : {});
    const pods = this.store.list(typeOfKind('Pod'), namespace).filter((pod) => (name === undefined ? matches(pod) : pod.metadata.name === name));
    const items = (await Promise.all(pods.map((pod) => this.podMetrics(pod)))).filter((item): item is object => item !== undefined);
    if (name === undefined) return { kind: 'PodMetricsList', apiVersion: groupVersion, metadata: {}, items };
    // metrics-server answers 404 for a pod it has not scraped yet, as for one that does not exist.
    if (items.length === 0) throw notFound({ resource: 'pods', group: METRICS_GROUP, name });
    return { kind: 'PodMetrics', apiVersion: groupVersion, ...items[0] };
  }

  private async podMetrics(pod: KubeObject): Promise<object | undefined> {
    if ((pod.status as { phase?: string } | undefined)?.phase !== 'Running') return undefined;
    const containers = await this.usage(pod);
    if (containers.length === 0) return undefined;
    const window = Math.max(...containers.map((c) => c.windowSeconds));
    return {
      metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, labels: pod.metadata.labels ?? {}, creationTimestamp: timestamp() },
      timestamp: timestamp(),
      window: `${window.toFixed(3).replace(/\.?0+$/, '')}s`,
      // As metrics-server writes them: nanocores and kibibytes.
      containers: containers.map((c) => ({ name: c.name, usage: { cpu: `${Math.round(c.cpuCores * 1e9)}n`, memory: `${Math.round(c.memoryBytes / 1024)}Ki` } })),
    };
  }
}

/** `pods` (all namespaces), `namespaces/NS/pods` or `namespaces/NS/pods/NAME`. */
function podsTarget(parts: readonly string[]): { namespace?: string; name?: string } | undefined {
  if (parts.length === 1 && parts[0] === 'pods') return {};
  if (parts[0] !== 'namespaces' || parts[2] !== 'pods' || parts.length > 4) return undefined;
  return { namespace: parts[1] as string, ...(parts[3] !== undefined ? { name: parts[3] } : {}) };
}
