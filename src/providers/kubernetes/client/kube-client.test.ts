/**
 * The request layer against the fake API server: server-side apply as `skiff` (create, update,
 * conflicts with another manager, force), reads with selectors and paging, subresources, delete;
 * and each failure a user can meet (unreachable, 401, 403, missing namespace) as a coded error
 * naming what to fix.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKubeApi, type FakeKubeApi } from '../../../../test/kube-api/start-fake-kube-api.js';
import { request } from '../../../../test/kube-api/testing/kube-client.js';
import { SkiffError } from '../../../core/errors.js';
import type { KubeClient } from './kube-client.js';
import type { KubeObject } from './kube-objects.js';
import { kubeResources } from './resources.js';
import { clientOfFake, clientOfFakeAt } from './testing/kubeconfig-files.js';
import { startCuttingProxy } from './testing/cutting-proxy.js';
import { startSilentServer } from './testing/silent-server.js';

interface Deployment extends KubeObject {
  readonly spec: { readonly replicas?: number; readonly template: unknown };
}

const deployment = (name: string, replicas: number, image = 'registry.test/web@sha256:aaaa'): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'skiff' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
  } as Deployment['spec'],
});

const configMap = (name: string, labels: Record<string, string> = {}): KubeObject & { data: Record<string, string> } => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data: { key: name },
});

async function failure(promise: Promise<unknown>): Promise<SkiffError> {
  const outcome = await promise.then(
    () => new Error('the request succeeded'),
    (error: unknown) => error,
  );
  if (outcome instanceof SkiffError) return outcome;
  throw outcome;
}

let api: FakeKubeApi;
let client: KubeClient;

beforeAll(async () => {
  api = await startFakeKubeApi({ namespaces: ['skiff-staging'] });
  client = clientOfFake(api, { namespace: 'skiff-staging' });
});
afterAll(async () => {
  client?.close();
  await api?.stop();
});
afterEach(() => {
  api.setForbidden([]);
  api.setToken(api.token);
});

describe('server-side apply', () => {
  it('creates, then updates, the object as field manager skiff', async () => {
    const created = await client.apply(deployment('web', 2));
    expect(created.metadata.namespace).toBe('skiff-staging');
    expect(created.spec.replicas).toBe(2);
    expect(created.metadata.managedFields?.map((m) => `${m.manager}:${m.operation}`)).toContain('skiff:Apply');

    const updated = await client.apply(deployment('web', 3));
    expect(updated.spec.replicas).toBe(3);
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect((await client.get<Deployment>(kubeResources.Deployment, 'web'))?.spec.replicas).toBe(3);
  });

  it('a field another manager owns is a SKIFF_KUBE_CONFLICT naming the field and the manager; force takes it over', async () => {
    await client.apply(deployment('api', 2));
    // As `kubectl edit` would: a plain update by another manager takes the field over.
    const other = await request(api, 'PATCH', '/apis/apps/v1/namespaces/skiff-staging/deployments/api?fieldManager=kubectl-edit', { spec: { replicas: 5 } }, 'application/merge-patch+json');
    expect(other.status).toBe(200);

    const conflict = await failure(client.apply(deployment('api', 2)));
    expect(conflict.code).toBe('SKIFF_KUBE_CONFLICT');
    expect(conflict.message).toBe('applying deployments/api in namespace "skiff-staging" conflicts with fields another manager owns: .spec.replicas (managed by "kubectl-edit")');
    expect(conflict.details).toEqual([expect.objectContaining({ path: '.spec.replicas' })]);
    expect(conflict.hint).toContain('--force-conflicts');
    expect((await client.get<Deployment>(kubeResources.Deployment, 'api'))?.spec.replicas).toBe(5);

    const forced = await client.apply(deployment('api', 2), { force: true });
    expect(forced.spec.replicas).toBe(2);
    const owners = forced.metadata.managedFields?.filter((m) => (m.fieldsV1 as { 'f:spec'?: Record<string, unknown> } | undefined)?.['f:spec']?.['f:replicas'] !== undefined).map((m) => m.manager);
    expect(owners).toEqual(['skiff']);
  });

  it('into a namespace that does not exist: SKIFF_KUBE_NAMESPACE_MISSING naming it, with how to create it', async () => {
    const error = await failure(client.apply(deployment('web', 1), { namespace: 'skiff-production' }));
    expect(error.code).toBe('SKIFF_KUBE_NAMESPACE_MISSING');
    expect(error.message).toBe(`namespace "skiff-production" does not exist on ${api.url} (patch deployments/web in namespace "skiff-production")`);
    expect(error.hint).toContain('kubectl create namespace skiff-production');
  });
});

describe('reads, subresources and delete', () => {
  it('lists by label selector, field selector and in pages', async () => {
    for (let i = 0; i < 5; i++) await client.create(configMap(`page-${i}`, { paged: 'yes', half: i % 2 === 0 ? 'even' : 'odd' }));
    const even = await client.list(kubeResources.ConfigMap, { labelSelector: 'paged=yes,half=even' });
    expect(even.items.map((c) => c.metadata.name).sort()).toEqual(['page-0', 'page-2', 'page-4']);
    expect(even.items[0]).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    const one = await client.list(kubeResources.ConfigMap, { fieldSelector: 'metadata.name=page-3' });
    expect(one.items.map((c) => c.metadata.name)).toEqual(['page-3']);

    const first = await client.list(kubeResources.ConfigMap, { labelSelector: 'paged=yes', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.continue).toBeTruthy();
    const all = await client.listAll(kubeResources.ConfigMap, { labelSelector: 'paged=yes', pageSize: 2 });
    expect(all.items.map((c) => c.metadata.name).sort()).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  it('sets replicas through /scale and status through /status, leaving the rest alone', async () => {
    await client.apply(deployment('scaled', 1));
    const scale = await client.setScale(kubeResources.Deployment, 'scaled', 4);
    expect(scale.spec.replicas).toBe(4);
    expect((await client.getScale(kubeResources.Deployment, 'scaled')).spec.replicas).toBe(4);
    expect((await client.get<Deployment>(kubeResources.Deployment, 'scaled'))?.spec.replicas).toBe(4);

    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'shop' }, spec: { hostnames: ['shop.test'] } };
    await client.apply(route);
    const parents = [{ parentRef: { name: 'gw' }, controllerName: 'example.com/gw', conditions: [] }];
    await client.mergePatch(kubeResources.HTTPRoute, 'shop', { status: { parents } }, { subresource: 'status' });
    await client.mergePatch(kubeResources.HTTPRoute, 'shop', { spec: { hostnames: ['shop.example'] } });
    const read = await client.get<KubeObject & { spec: { hostnames: string[] }; status: { parents: unknown[] } }>(kubeResources.HTTPRoute, 'shop');
    expect(read?.spec.hostnames).toEqual(['shop.example']);
    expect(read?.status.parents).toEqual(parents);
  });

  it('get of an absent object is undefined; delete says whether there was one (with a propagation policy)', async () => {
    expect(await client.get(kubeResources.ConfigMap, 'absent')).toBeUndefined();
    await client.apply(deployment('doomed', 1));
    expect(await client.delete(kubeResources.Deployment, 'doomed', { propagationPolicy: 'Foreground' })).toBe(true);
    expect(await client.get(kubeResources.Deployment, 'doomed')).toBeUndefined();
    expect(await client.delete(kubeResources.Deployment, 'doomed', { propagationPolicy: 'Background' })).toBe(false);
  });
});

describe('failures a user can act on', () => {
  it('403 names the verb, the resource and the namespace, and points at the Role skiff export writes', async () => {
    api.setForbidden([{ verb: 'list', resource: 'pods', namespace: 'skiff-staging' }]);
    const error = await failure(client.list(kubeResources.Pod));
    expect(error.code).toBe('SKIFF_KUBE_FORBIDDEN');
    expect(error.message).toContain('user "skiff-test" may not list pods in namespace "skiff-staging" (context "skiff-fake")');
    expect(error.hint).toContain('skiff export');

    api.setForbidden([{ verb: 'patch', resource: 'deployments' }]);
    expect((await failure(client.apply(deployment('web', 1)))).message).toContain('may not patch deployments.apps in namespace "skiff-staging"');

    api.setForbidden([{ verb: 'get', resource: 'pods/log' }]);
    expect((await failure(client.podLogs('web-1').next())).message).toContain('may not get pods/log in namespace "skiff-staging"');
  });

  it('401 once the token is no longer valid names the kubeconfig, context and user', async () => {
    expect((await client.list(kubeResources.ConfigMap)).items.length).toBeGreaterThanOrEqual(0);
    api.setToken('rotated');
    const error = await failure(client.list(kubeResources.ConfigMap));
    expect(error.code).toBe('SKIFF_KUBE_UNAUTHORIZED');
    expect(error.message).toBe(`the Kubernetes API server ${api.url} rejected the credentials of user "skiff-test" (context "skiff-fake" in ${api.kubeconfigPath}): the token has expired or is wrong`);
    expect(error.path).toBe('users[skiff-test].user');
  });

  it('a closed port on 127.0.0.1 is SKIFF_KUBE_UNREACHABLE with the address and the refusal', async () => {
    const port = await closedPort();
    const unreachable = clientOfFakeAt(api, `https://127.0.0.1:${port}`);
    try {
      const error = await failure(unreachable.client.list(kubeResources.Pod));
      expect(error.code).toBe('SKIFF_KUBE_UNREACHABLE');
      expect(error.message).toBe(`the Kubernetes API server https://127.0.0.1:${port} is not reachable (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port})`);
      expect(error.hint).toContain('context "skiff-fake"');
    } finally {
      unreachable.dispose();
    }
  });

  it('a kept-alive connection the server closes as a read goes out: the read goes again on a new connection', async () => {
    const proxy = await startCuttingProxy(Number(new URL(api.url).port));
    const through = clientOfFakeAt(api, `https://127.0.0.1:${proxy.port}`);
    try {
      expect((await through.client.list(kubeResources.Namespace)).items.length).toBeGreaterThan(0);
      proxy.cutOnNextUse();
      expect((await through.client.list(kubeResources.Namespace)).items.length).toBeGreaterThan(0);
      expect(proxy.cut()).toBe(1);
    } finally {
      through.dispose();
      await proxy.close();
    }
  });

  it('a server that accepts connections and never answers is SKIFF_KUBE_UNREACHABLE after the request timeout, for requests and watches', async () => {
    const silent = await startSilentServer();
    const port = silent.port;
    const hanging = clientOfFakeAt(api, `https://127.0.0.1:${port}`, { requestTimeoutMs: 300 });
    try {
      const listed = await failure(hanging.client.list(kubeResources.Pod));
      expect(listed).toMatchObject({ code: 'SKIFF_KUBE_UNREACHABLE', message: `the Kubernetes API server https://127.0.0.1:${port} did not answer list pods in time` });
      const watched = await failure(hanging.client.watch(kubeResources.Pod).next());
      expect(watched).toMatchObject({ code: 'SKIFF_KUBE_UNREACHABLE', message: `the Kubernetes API server https://127.0.0.1:${port} did not answer watch pods in time` });
    } finally {
      hanging.dispose();
      await silent.close();
    }
  });
});

describe('pods/proxy through the client', () => {
  it("waits for a proxied request's own timeout (a drain's long poll), not the client's request timeout", async () => {
    const api = await startFakeKubeApi();
    const silent = await startSilentServer();
    const hanging = clientOfFakeAt(api, `https://127.0.0.1:${silent.port}`, { requestTimeoutMs: 100 });
    try {
      const started = Date.now();
      const failed = await failure(hanging.client.proxyPod('skiff-router-a', 8081, { method: 'POST', path: '/drain', body: '{}', timeoutMs: 1000 }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(failed).toMatchObject({ code: 'SKIFF_KUBE_UNREACHABLE', message: `the Kubernetes API server https://127.0.0.1:${silent.port} did not answer create pods/proxy in time` });
    } finally {
      hanging.dispose();
      await silent.close();
      await api.stop();
    }
  });
});

/** A port nothing listens on: bound once, then closed. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
