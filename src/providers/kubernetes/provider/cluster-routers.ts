/**
 * The provider's side of Skiff's routers in the cluster: their admin ports (reads and drain,
 * src/router/admin-relay.ts), asked all at once, the answers put together as one data plane:
 * metrics summed over the replicas, a drain done only when every replica has drained; and each
 * replica's long poll of the requests it holds for services at zero (provider/router-wakes.ts).
 */
import { SkiffError } from '../../../core/errors.js';
import type { InstanceAddress } from '../../../core/instance.js';
import type { ParallelReport, UnreadRouter } from '../../../core/parallel-report.js';
import { parsePrometheusText, renderFamilies, type Family } from '../../../monitoring/prom-text.js';
import { mergeParallelSnapshots, type ParallelSnapshot } from '../../../router/parallel/counts.js';
import { buildParallelReport } from '../../../router/parallel/report.js';
import { kubeResources, type KubeClient, type KubeObject } from '../client/index.js';
import { routerAdminPort } from '../manifests/input.js';
import { routerSelector } from '../manifests/labels.js';

/** One request to a router's admin port. */
export interface AdminRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** JSON. */
  readonly body?: string;
  readonly timeoutMs: number;
  /** Gives the request up (a long poll its caller left). */
  readonly signal?: AbortSignal;
}

/** One router replica's admin API: its pod name and where it is (for messages), and how to ask it. */
export interface RouterAdmin {
  readonly name: string;
  /** Its base URL, or the API server's pods/proxy URL of its admin port. */
  readonly url: string;
  /** Sends a request and gives the 2xx answer's body; plain HTTP to `url` when unset. */
  readonly send?: (request: AdminRequest) => Promise<string>;
}

/** Where the routers' admin ports are now. */
export type RouterAdminLocator = () => Promise<readonly RouterAdmin[]>;

type RouterPod = KubeObject & { readonly status?: { readonly podIP?: string; readonly conditions?: readonly { type: string; status: string }[] } };

/**
 * The ready router pods of the namespace: with `direct`, at their pod IP (the control plane must
 * reach the pod network); with `proxy`, through the API server's pods/proxy (it need only reach
 * the API server, and its Role needs pods/proxy).
 */
export function routerPodAdmins(client: KubeClient, access: 'direct' | 'proxy'): RouterAdminLocator {
  const selector = Object.entries(routerSelector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return async () => {
    const pods = await client.list<RouterPod>(kubeResources.Pod, { labelSelector: selector });
    return pods.items
      .filter((pod) => !pod.metadata.deletionTimestamp && pod.status?.podIP && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((pod) => (access === 'direct' ? { name: pod.metadata.name, url: `http://${pod.status?.podIP}:${routerAdminPort}` } : proxiedAdmin(client, pod.metadata.name)));
  };
}

function proxiedAdmin(client: KubeClient, pod: string): RouterAdmin {
  return {
    name: pod,
    url: `${client.connection.server}/api/v1/namespaces/${client.namespace}/pods/${pod}:${routerAdminPort}/proxy`,
    send: ({ method, path, body, timeoutMs, signal }) =>
      client.proxyPod(pod, routerAdminPort, { method, path, ...(body !== undefined ? { body } : {}), timeoutMs, ...(signal ? { signal } : {}) }),
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
    return Promise.all(admins.map((admin) => this.call(admin, { method: 'GET', path: '/metrics', timeoutMs: answerTimeoutMs })));
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
          const answer = JSON.parse(await this.call(admin, { method: 'POST', path: '/drain', body, timeoutMs: timeoutMs + answerTimeoutMs })) as { drained?: unknown; inFlight?: unknown };
          return { drained: answer.drained === true, inFlight: Number(answer.inFlight ?? 0) };
        } catch {
          return { drained: false, inFlight: 0 };
        }
      }),
    );
    return { drained: results.every((result) => result.drained), inFlight: results.reduce((sum, result) => sum + result.inFlight, 0) };
  }

  /** The ready replicas now (none is not an error here: a poller waits for them). */
  replicas(): Promise<readonly RouterAdmin[]> {
    return this.locate();
  }

  /**
   * One long poll of a replica's held requests: the services it holds requests for at zero
   * instances, as soon as there are any, else [] after `waitMs`.
   */
  async wakes(admin: RouterAdmin, waitMs: number, signal: AbortSignal): Promise<readonly string[]> {
    const answer = JSON.parse(await this.call(admin, { method: 'GET', path: `/wake?waitMs=${waitMs}`, timeoutMs: waitMs + answerTimeoutMs, signal })) as { services?: unknown };
    return Array.isArray(answer.services) ? answer.services.filter((service): service is string => typeof service === 'string') : [];
  }

  /**
   * One parallel-run report over the replicas: each one's raw counts summed, then judged once (noise
   * filtering needs the sums; judged reports cannot be added). A replica that does not answer is
   * named in `unreadRouters`, and its share is left out of the figures.
   */
  async parallelReport(): Promise<ParallelReport> {
    const admins = await this.admins();
    const answers = await Promise.allSettled(admins.map(async (admin) => JSON.parse(await this.call(admin, { method: 'GET', path: '/parallel/counts', timeoutMs: answerTimeoutMs })) as ParallelSnapshot));
    const snapshots: ParallelSnapshot[] = [];
    const unreadRouters: UnreadRouter[] = [];
    answers.forEach((answer, index) => {
      if (answer.status === 'fulfilled') snapshots.push(answer.value);
      else unreadRouters.push({ router: admins[index]?.name ?? '?', reason: (answer.reason as Error).message });
    });
    const report = buildParallelReport(mergeParallelSnapshots(snapshots));
    return unreadRouters.length === 0 ? report : { ...report, unreadRouters };
  }

  /** Forgets every replica's parallel-run counts; fails naming the replicas that did not (their old counts would mix with a new run's). */
  async resetParallel(): Promise<void> {
    const admins = await this.admins();
    const results = await Promise.allSettled(admins.map((admin) => this.call(admin, { method: 'POST', path: '/parallel/reset', timeoutMs: answerTimeoutMs })));
    const failed = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []));
    if (failed.length > 0) throw failed[0];
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

  /** The 2xx answer's body; anything else fails naming the replica. */
  private async call(admin: RouterAdmin, request: AdminRequest): Promise<string> {
    try {
      return await (admin.send ?? ((r: AdminRequest) => fetchAdmin(admin.url, r)))(request);
    } catch (error) {
      // The API server's refusal of the proxy (RBAC, credentials) says what to fix; any other failure is the pod's.
      const hint =
        error instanceof SkiffError && (error.code === 'SKIFF_KUBE_FORBIDDEN' || error.code === 'SKIFF_KUBE_UNAUTHORIZED') && error.hint !== undefined
          ? error.hint
          : `is the pod running${admin.send ? '' : ', and can the control plane reach the pod network (else set kubernetes.routerAccess: proxy)'}? kubectl -n ${this.namespace} get pod ${admin.name} -o wide`;
      throw new SkiffError('SKIFF_ROUTER_UNREACHABLE', `router ${admin.name} (${admin.url}) in namespace "${this.namespace}", ${request.method} ${request.path}: ${(error as Error).message}`, { cause: error, hint });
    }
  }
}

/** Plain HTTP to an admin port at its pod IP. */
async function fetchAdmin(url: string, { method, path, body, timeoutMs, signal }: AdminRequest): Promise<string> {
  const answer = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`answered ${answer.status}: ${text.slice(0, 200)}`);
  return text;
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
