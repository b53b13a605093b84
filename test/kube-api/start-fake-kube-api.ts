/**
 * startFakeKubeApi: a fake Kubernetes API server on 127.0.0.1 with a random port, for tests.
 * See README.md for what it does like a real cluster and where it deviates.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AccessControl, type ForbiddenRule } from './access.js';
import { ControllerManager } from './controllers/controller-manager.js';
import type { PodRuntime } from './controllers/pod-runtime.js';
import { SimulatedRuntime, type SimulatedBehaviour } from './controllers/simulated-runtime.js';
import { DockerRuntime } from './controllers/docker-runtime.js';
import { NodePortProxy } from './controllers/node-port-proxy.js';
import Docker from 'dockerode';
import { FakeKubeHttpServer } from './http-server.js';
import { writeKubeconfig } from './kubeconfig.js';
import { MetricsApi } from './metrics-api.js';
import { ResourceApi } from './resource-api.js';
import { typeOfKind } from './resources.js';
import { ObjectStore } from './store.js';
import { createSelfSignedCertificate } from './tls.js';

export interface FakeKubeApiOptions {
  /** Where the kubeconfig (and docker mode's state) is written; a temporary directory when unset (removed by stop()). */
  readonly dataDir?: string;
  /** Run each pod as a container on the Docker engine instead of simulating it. */
  readonly docker?: boolean;
  /** Docker mode: the first restart (CrashLoopBackOff) and image-pull back-off; the kubelet's 10 s by default. */
  readonly backoffMs?: number;
  /** Simulated mode: what each container does (default: running and ready at once). */
  readonly simulatedPods?: SimulatedBehaviour;
  /** How many resourceVersions a watch may start behind the current one before it gets 410 Gone (default 1000). */
  readonly compactionWindow?: number;
  /** How often a watch with allowWatchBookmarks gets a BOOKMARK (default 1 s; the real server sends one about every minute). */
  readonly bookmarkIntervalMs?: number;
  readonly user?: string;
  readonly forbidden?: readonly ForbiddenRule[];
  /** Namespaces that exist from the start, besides default, kube-system, kube-public. */
  readonly namespaces?: readonly string[];
  /**
   * Docker mode: a label selector of the pods run in the host's network namespace (they listen on
   * their 127.X.Y.Z pod IP), so they reach the API server and other pods on loopback, as Skiff's
   * router in the cluster must: e.g. `app.kubernetes.io/name=skiff-router`.
   */
  readonly hostNetworkPods?: string;
  /** Serve metrics.k8s.io (PodMetrics) as metrics-server would (default true); false: a cluster without it. */
  readonly metricsApi?: boolean;
}

export interface FakeKubeApi {
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly token: string;
  /** PEM of the CA a client must trust (also in the kubeconfig). */
  readonly caCertificate: string;
  readonly store: ObjectStore;
  /** Denies verbs on resources from now on (replacing earlier rules), with RBAC's 403 Status. */
  setForbidden(rules: readonly ForbiddenRule[]): void;
  /** Makes the current token invalid (as an expired one): every request answers 401 until `setToken`. */
  setToken(token: string): void;
  /** Simulated mode: what containers of pods started from now on do. */
  setSimulatedPods(behaviour: SimulatedBehaviour): void;
  /** Forgets the watch history: a watch from any resourceVersion before now gets 410 Gone. */
  compact(): void;
  /** Ends every open watch and log stream, as a broken connection would. */
  dropWatches(): void;
  stop(): Promise<void>;
}

export async function startFakeKubeApi(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'skiff-kube-fake-'));
  const token = randomBytes(16).toString('hex');
  const user = options.user ?? 'skiff-test';
  const store = new ObjectStore(options.compactionWindow ?? 1000);
  const api = new ResourceApi(store);
  const access = new AccessControl(token, user);
  access.setForbidden(options.forbidden ?? []);
  for (const name of ['default', 'kube-system', 'kube-public', ...(options.namespaces ?? [])]) {
    api.createObject(typeOfKind('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, 'kube-apiserver');
  }
  const simulated = new SimulatedRuntime(options.simulatedPods);
  const tls = createSelfSignedCertificate(dataDir);
  const served = { port: 0 };
  const runtime: PodRuntime = options.docker
    ? new DockerRuntime(new Docker(), store, {
        ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
        sandbox: {
          dataDir,
          ...(options.hostNetworkPods !== undefined ? { hostNetworkPods: options.hostNetworkPods } : {}),
          apiServer: () => ({ port: served.port, token: access.token, caCertificate: tls.cert }),
        },
      })
    : simulated;
  const nodePorts = options.docker ? new NodePortProxy(store) : undefined;
  const controllers = new ControllerManager(store, api, runtime, nodePorts ? [nodePorts] : []);
  const http = new FakeKubeHttpServer({
    tls,
    store,
    api,
    access,
    logs: (pod, logOptions) => runtime.logs(pod, logOptions),
    bookmarkIntervalMs: () => options.bookmarkIntervalMs ?? 1000,
    ...(options.metricsApi === false ? {} : { metrics: new MetricsApi(store, (pod) => runtime.usage(pod)) }),
  });
  const url = await http.listen();
  served.port = Number(new URL(url).port);
  const kubeconfigPath = path.join(dataDir, 'kubeconfig');
  writeKubeconfig({ path: kubeconfigPath, server: url, token, user, namespace: 'default', caCertificate: tls.cert });
  return {
    url,
    kubeconfigPath,
    token,
    caCertificate: tls.cert,
    store,
    setForbidden: (rules) => access.setForbidden(rules),
    setToken: (next) => {
      access.token = next;
    },
    setSimulatedPods: (behaviour) => {
      simulated.behaviour = behaviour;
    },
    compact: () => store.compact(),
    dropWatches: () => http.dropWatches(),
    async stop() {
      controllers.stop();
      nodePorts?.close();
      await http.close();
      await runtime.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
