/**
 * The cluster a Kubernetes e2e story runs against. By default the fake API server in docker mode
 * (test/kube-api) and a real registry on 127.0.0.1, both started and stopped here; with
 * SKIFF_TEST_KUBECONFIG (`npm run test:kubernetes`) a real cluster (kind, k3s, a cloud one) and
 * the registry SKIFF_TEST_REGISTRY, in a namespace created for the run and deleted after it.
 *
 * Either way the namespace gets what Skiff's control plane never writes: the router's
 * ServiceAccount, Role and RoleBinding (as `skiff export` writes them).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connectEngine } from '../../src/drivers/docker/engine.js';
import { engineForTests } from '../../src/drivers/docker/testing/test-image.js';
import { KubeClient, kubeResources, loadKubeconfig, type KubeObject } from '../../src/providers/kubernetes/client/index.js';
import { missingForRegistrySuite, removeImagesOf, startLocalRegistry, type LocalRegistryOptions } from '../../src/providers/kubernetes/images/testing/local-registry.js';
import { routerRoleBinding, routerRole, routerServiceAccount } from '../../src/providers/kubernetes/manifests/rbac.js';
import { startFakeKubeApi, type FakeKubeApi } from '../kube-api/start-fake-kube-api.js';
import { waitFor } from './platform.js';

/** The environment of the stories' spec files. */
const environment = 'cluster';
const routerService = 'skiff-router';

export interface TestCluster {
  readonly kubeconfigPath: string;
  readonly namespace: string;
  /** The environment's `registry:`. */
  readonly registry: string;
  /** A client of the namespace. */
  readonly client: KubeClient;
  /** Where a test reaches the router's Service from this machine, once it has a port. */
  routerUrl(): Promise<string>;
  writeSpec(dir: string, text: string): void;
  stop(): Promise<void>;
}

const realCluster = (): string | undefined => process.env.SKIFF_TEST_KUBECONFIG || undefined;

/** What is missing to run the stories here ([] when they can run); says so loudly, and fails in CI. */
export async function testClusterMissing(): Promise<string[]> {
  if (realCluster()) {
    if (!process.env.SKIFF_TEST_REGISTRY) throw new Error('SKIFF_TEST_KUBECONFIG needs SKIFF_TEST_REGISTRY: a registry this machine pushes to and the cluster pulls from (e.g. localhost:5001/skiff for kind)');
    return [];
  }
  return missingForRegistrySuite('the Kubernetes rollout e2e tests', await engineForTests());
}

type RouterServiceObject = KubeObject & {
  readonly spec?: { readonly ports?: readonly { readonly nodePort?: number }[] };
  readonly status?: { readonly loadBalancer?: { readonly ingress?: readonly { readonly ip?: string; readonly hostname?: string }[] } };
};

async function applyRouterRbac(client: KubeClient, namespace: string): Promise<void> {
  for (const object of [routerServiceAccount(environment, namespace), routerRole(environment, namespace), routerRoleBinding(environment, namespace)]) {
    await client.apply(object as KubeObject);
  }
}

/**
 * The `environments:` of a story's spec: `dev` running no instance of `service`, and `cluster` on
 * this cluster (NodePort router Service) with `instances` of it; `kubernetes` adds settings to its
 * `kubernetes:` (`, registryCredentials: {…}`).
 */
export function clusterEnvironments(cluster: TestCluster, service: string, instances: number, kubernetes = ''): string {
  return `environments:
  dev:
    services: { ${service}: { instances: 0 } }
  ${environment}:
    provider: kubernetes
    registry: ${cluster.registry}
    kubernetes: { kubeconfig: ${JSON.stringify(cluster.kubeconfigPath)}, namespace: ${cluster.namespace}, serviceType: NodePort${kubernetes} }
    services: { ${service}: { instances: ${instances} } }
`;
}

const writeSpec = (dir: string, text: string): void => fs.writeFileSync(path.join(dir, 'skiff.yaml'), text);

/** `registry`: how the fake cluster's registry is started (a real cluster's is SKIFF_TEST_REGISTRY, as it is). */
export async function startTestCluster(prefix: string, registry: LocalRegistryOptions = {}): Promise<TestCluster> {
  const kubeconfig = realCluster();
  return kubeconfig ? startRealCluster(kubeconfig, prefix) : startFakeCluster(prefix, registry);
}

async function startFakeCluster(prefix: string, registryOptions: LocalRegistryOptions): Promise<TestCluster> {
  const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
  const registry = await startLocalRegistry(registryOptions);
  const api = await startFakeKubeApi({ docker: true, namespaces: [namespace], backoffMs: 500, hostNetworkPods: 'app.kubernetes.io/name=skiff-router' });
  const client = new KubeClient(loadKubeconfig({ kubeconfig: api.kubeconfigPath }, { homeDir: '/nonexistent' }), { namespace });
  await applyRouterRbac(client, namespace);
  return {
    kubeconfigPath: api.kubeconfigPath,
    namespace,
    registry: `${registry.host}/skiff`,
    client,
    // The fake serves node ports on 127.0.0.1, as a node's kube-proxy would on the node's address.
    routerUrl: async () => {
      const service = await waitFor('the router Service with a node port', () => client.get<RouterServiceObject>(kubeResources.Service, routerService), 120_000);
      return `http://127.0.0.1:${service.spec?.ports?.[0]?.nodePort}`;
    },
    writeSpec,
    async stop() {
      await api.stop();
      await registry.stop();
      await removeImagesOf(connectEngine({}), [registry.host]);
    },
  };
}

/**
 * A real cluster: the router is reached at SKIFF_TEST_ROUTER_URL when set (a port mapped to the
 * node port, as kind's extraPortMappings), else its LoadBalancer address. The control plane reads the routers' admin ports at their pod
 * IPs, so this machine must reach the pod network (k3s on this machine does; for kind, run the
 * tests where the pod network is routed).
 */
async function startRealCluster(kubeconfigPath: string, prefix: string): Promise<TestCluster> {
  const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
  const admin = new KubeClient(loadKubeconfig({ kubeconfig: kubeconfigPath }, { homeDir: process.env.HOME ?? '/nonexistent' }), { namespace });
  await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } as KubeObject);
  await applyRouterRbac(admin, namespace);
  return {
    kubeconfigPath,
    namespace,
    registry: process.env.SKIFF_TEST_REGISTRY ?? '',
    client: admin,
    routerUrl: async () => {
      if (process.env.SKIFF_TEST_ROUTER_URL) return process.env.SKIFF_TEST_ROUTER_URL;
      const service = await waitFor('the router Service with a node port', () => admin.get<RouterServiceObject>(kubeResources.Service, routerService), 120_000);
      const ingress = service.status?.loadBalancer?.ingress?.[0];
      if (ingress) return `http://${ingress.ip ?? ingress.hostname}`;
      throw new Error(`the router Service has no load balancer address: set SKIFF_TEST_ROUTER_URL to where its node port ${service.spec?.ports?.[0]?.nodePort} is reached from here`);
    },
    writeSpec,
    async stop() {
      await admin.delete(kubeResources.Namespace, namespace, { propagationPolicy: 'Background' });
    },
  };
}

/** The fake API server with simulated pods (nothing runs in them) and a real registry: images are really built and pushed. */
export interface SimulatedCluster {
  readonly api: FakeKubeApi;
  /** The environment's `registry:`. */
  readonly registry: string;
  /** A client of the first namespace. */
  readonly client: KubeClient;
  stop(): Promise<void>;
}

export async function startSimulatedCluster(namespaces: readonly string[]): Promise<SimulatedCluster> {
  const registry = await startLocalRegistry();
  const api = await startFakeKubeApi({ docker: false, namespaces });
  return {
    api,
    registry: `${registry.host}/skiff`,
    client: new KubeClient(loadKubeconfig({ kubeconfig: api.kubeconfigPath }, { homeDir: '/nonexistent' }), { namespace: namespaces[0] ?? 'default' }),
    async stop() {
      await api.stop();
      await registry.stop();
      await removeImagesOf(connectEngine({}), [registry.host]);
    },
  };
}
