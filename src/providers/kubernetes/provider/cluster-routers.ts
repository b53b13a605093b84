/**
 * The provider's side of Skiff's routers in the cluster: their admin ports (reads and drain,
 * src/router/admin-relay.ts), asked all at once, the answers put together as one data plane:
 * metrics summed over the replicas, a drain done only when every replica has drained.
 */
import { SkiffError } from '../../../core/errors.js';
import type { InstanceAddress } from '../../../core/instance.js';
import { parsePrometheusText, renderFamilies, type Family } from '../../../monitoring/prom-text.js';
import { kubeResources, type KubeClient, type KubeObject } from '../client/index.js';
import { routerAdminPort } from '../manifests/input.js';
import { routerSelector } from '../manifests/labels.js';

/** One router replica's admin API: its pod name (for messages) and base URL. */
export interface RouterAdmin {
  readonly name: string;
  readonly url: string;
}

/** Where the routers' admin ports are now. */
export type RouterAdminLocator = () => Promise<readonly RouterAdmin[]>;

type RouterPod = KubeObject & { readonly status?: { readonly podIP?: string; readonly conditions?: readonly { type: string; status: string }[] } };

/** The ready router pods of the namespace, at their pod IP (the control plane must reach the pod network). */
export function routerPodAdmins(client: KubeClient): RouterAdminLocator {
  const selector = Object.entries(routerSelector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return async () => {
    const pods = await client.list<RouterPod>(kubeResources.Pod, { labelSelector: selector });
    return pods.items
      .filter((pod) => !pod.metadata.deletionTimestamp && pod.status?.podIP && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((pod) => ({ name: pod.metadata.name, url: `http://${pod.status?.podIP}:${routerAdminPort}` }));
  };
}

const answerTimeoutMs = 5_000;

export class ClusterRouters {
  constructor(
    private readonly locate: RouterAdminLocator,
    private readonly namespace: string,
  ) {}

  /** Each replica's Prometheus text; fails naming the first replica that does not answer (a missing one would skew the sums). */
  async metricsTexts(): Promise<string[]> {
    const admins = await this.admins();
    return Promise.all(admins.map(async (admin) => (await this.call(admin, 'GET', '/metrics', undefined, answerTimeoutMs)).text()));
  }

  /** The replicas' metrics as one exposition: the samples of equal series summed. */
  async metrics(): Promise<string> {
    return renderFamilies(sumExpositions(await this.metricsTexts()));
  }

  /** Waits until no replica has anything in flight to `address`; a replica that cannot say counts as not drained. */
  async drain(address: InstanceAddress, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    const admins = await this.admins();
    const body = JSON.stringify({ backends: [{ host: address.host, port: address.port }], timeoutMs });
    const results = await Promise.all(
      admins.map(async (admin) => {
        try {
          const answer = (await (await this.call(admin, 'POST', '/drain', body, timeoutMs + answerTimeoutMs)).json()) as { drained?: unknown; inFlight?: unknown };
          return { drained: answer.drained === true, inFlight: Number(answer.inFlight ?? 0) };
        } catch {
          return { drained: false, inFlight: 0 };
        }
      }),
    );
    return { drained: results.every((result) => result.drained), inFlight: results.reduce((sum, result) => sum + result.inFlight, 0) };
  }

  private async admins(): Promise<readonly RouterAdmin[]> {
    const admins = await this.locate();
    if (admins.length === 0) {
      throw new SkiffError('SKIFF_ROUTER_UNREACHABLE', `no ready pod of Skiff's router in namespace "${this.namespace}"`, {
        hint: `look at its pods: kubectl -n ${this.namespace} get pods -l app.kubernetes.io/name=skiff-router`,
      });
    }
    return admins;
  }

  private async call(admin: RouterAdmin, method: string, path: string, body: string | undefined, timeoutMs: number): Promise<Response> {
    let answer: Response;
    try {
      answer = await fetch(`${admin.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new SkiffError('SKIFF_ROUTER_UNREACHABLE', `router ${admin.name} (${admin.url}) in namespace "${this.namespace}": ${(error as Error).message}`, {
        cause: error,
        hint: `is the pod running, and can the control plane reach the pod network? kubectl -n ${this.namespace} get pod ${admin.name} -o wide`,
      });
    }
    if (!answer.ok) throw new SkiffError('SKIFF_ROUTER_UNREACHABLE', `router ${admin.name} (${admin.url}) answered ${answer.status} to ${method} ${path}: ${(await answer.text()).slice(0, 200)}`);
    return answer;
  }
}

/** Several expositions of the same kind of process as one: each series' samples summed. */
export function sumExpositions(texts: readonly string[]): Family[] {
  const families = new Map<string, { family: Family; index: Map<string, number> }>();
  for (const text of texts) {
    for (const family of parsePrometheusText(text)) {
      let into = families.get(family.name);
      if (!into) {
        into = { family: { name: family.name, type: family.type, help: family.help, samples: [] }, index: new Map() };
        families.set(family.name, into);
      }
      for (const sample of family.samples) {
        const key = `${sample.name}${JSON.stringify(sample.labels)}`;
        const at = into.index.get(key);
        if (at === undefined) {
          into.index.set(key, into.family.samples.length);
          into.family.samples.push(sample);
        } else {
          const before = into.family.samples[at] as Family['samples'][number];
          into.family.samples[at] = { ...before, value: before.value + sample.value };
        }
      }
    }
  }
  return [...families.values()].map((entry) => entry.family);
}
