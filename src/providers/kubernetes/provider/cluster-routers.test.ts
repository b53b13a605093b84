/**
 * The provider's side of the routers in the cluster, against the fake API server (simulated pods)
 * and real HTTP on 127.0.0.1: the router Deployment applied at start with the image by digest,
 * the router pods found at their IPs, metrics of replicas summed, a replica that does not answer
 * named. (Traffic through real routers: router-feed/cluster-router.test.ts.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SkiffError } from '../../../core/errors.js';
import type { ProviderContext } from '../../../reconcile/provider.js';
import { startFakeKubeApi } from '../../../../test/kube-api/start-fake-kube-api.js';
import { kubeResources, type KubeObject } from '../client/index.js';
import { KubernetesProvider, type KubernetesProviderDeps } from '../kubernetes-provider.js';
import { renderFamilies } from '../../../monitoring/prom-text.js';
import { ClusterRouters, routerPodAdmins, sumExpositions } from './cluster-routers.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const namespace = 'skiff-dev';
const routerImage = `127.0.0.1:5000/skiff/skiff-router@sha256:${'cd'.repeat(32)}`;
const context: ProviderContext = {
  environment: 'dev',
  routerPort: 8080,
  hooks: { emit: () => undefined, instanceChanged: () => undefined, routesChanged: async () => undefined, drainTimeoutMs: () => 1000, dataPlaneRestarted: () => undefined },
};

async function provider(extra: Partial<KubernetesProviderDeps>): Promise<KubernetesProvider> {
  const api = await startFakeKubeApi({ namespaces: [namespace] });
  cleanups.push(() => api.stop());
  const created = new KubernetesProvider(context, {
    // Nothing runs as pods here: no log is followed into it.
    dataDir: '/nonexistent',
    settings: { serviceType: 'NodePort', kubeconfig: api.kubeconfigPath },
    registry: '127.0.0.1:5000/skiff',
    specDir: '/',
    kubeconfigDefaults: { homeDir: '/nonexistent' },
    clock: { now: () => Date.now() },
    secretEnv: async () => ({}),
    // Nothing is placed through the provider here: its data plane is what is tested.
    publishImage: async () => {
      throw new Error('no image is published in this test');
    },
    ...extra,
  });
  cleanups.push(() => created.detach());
  return created;
}

/** A router admin port on 127.0.0.1 answering GET /metrics with `text`. */
async function adminServing(text: string): Promise<string> {
  const server: Server = createServer((_req, res) => res.end(text));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const exposition = (v1: number, v2: number): string =>
  [
    '# TYPE skiff_router_responses_total counter',
    `skiff_router_responses_total{environment="dev",service="web",route="dev/web/0",release="v1",code="2xx"} ${v1}`,
    `skiff_router_responses_total{environment="dev",service="web",route="dev/web/0",release="v2",code="2xx"} ${v2}`,
    '',
  ].join('\n');

describe("the provider's routers in the cluster", () => {
  it('applies the router Deployment with the image by digest and its disruption budget, and finds the ready router pods at their IPs (which are not instances of a service)', async () => {
    const subject = await provider({ routerImage: async () => routerImage });
    await subject.start({ name: 'dev', services: [] });
    const deployment = await subject.client.get<IDeployment & KubeObject>(kubeResources.Deployment, 'skiff-router');
    expect(deployment?.spec?.replicas).toBe(2);
    expect(deployment?.spec?.template.spec?.containers[0]?.image).toBe(routerImage);
    expect(await subject.client.get(kubeResources.PodDisruptionBudget, 'skiff-router')).toBeDefined();
    const admins = await vi.waitFor(async () => {
      const found = await routerPodAdmins(subject.client)();
      expect(found).toHaveLength(2);
      return found;
    }, { timeout: 15_000, interval: 50 });
    for (const admin of admins) expect(admin).toEqual({ name: expect.stringMatching(/^skiff-router-/), url: expect.stringMatching(/^http:\/\/10\.244\.\d+\.\d+:8081$/) });
    // The data plane's pods are not a service's instances: the reconciler would stop them.
    expect(subject.observed()).toEqual([]);
  });

  it('writes nothing when the router image cannot be had', async () => {
    const subject = await provider({
      routerImage: async () => {
        throw new SkiffError('SKIFF_IMAGE_PUSH_FAILED', 'pushing skiff-router failed: denied');
      },
    });
    await expect(subject.start({ name: 'dev', services: [] })).rejects.toMatchObject({ code: 'SKIFF_IMAGE_PUSH_FAILED' });
    expect(await subject.client.get(kubeResources.ConfigMap, 'skiff-router-routes')).toBeUndefined();
    expect(await subject.client.get(kubeResources.Service, 'skiff-router')).toBeUndefined();
  });

  it("sums the replicas' counters, and names a replica that does not answer", async () => {
    const urls = [await adminServing(exposition(3, 1)), await adminServing(exposition(5, 2))];
    const routers = new ClusterRouters(async () => urls.map((url, index) => ({ name: `skiff-router-${index}`, url })), namespace);
    expect(renderFamilies(sumExpositions([exposition(3, 1), exposition(5, 2)]))).toBe(renderFamilies(sumExpositions([exposition(8, 3)])));
    expect(await routers.metrics()).toContain('release="v2",code="2xx"} 3');

    const subject = await provider({ routerAdmins: async () => urls.map((url, index) => ({ name: `skiff-router-${index}`, url })) });
    const counters = await subject.counters('web');
    expect([counters.releases['v1']?.requests, counters.releases['v2']?.requests]).toEqual([8, 3]);

    const gone = new ClusterRouters(async () => [{ name: 'skiff-router-x', url: 'http://127.0.0.1:1' }], namespace);
    await expect(gone.metrics()).rejects.toMatchObject({ code: 'SKIFF_ROUTER_UNREACHABLE', message: expect.stringContaining('router skiff-router-x (http://127.0.0.1:1)') });
    expect(await gone.drain({ host: '10.0.0.1', port: 8080 }, 100)).toEqual({ drained: false, inFlight: 0 });
    await expect(new ClusterRouters(async () => [], namespace).metrics()).rejects.toMatchObject({ code: 'SKIFF_ROUTER_UNREACHABLE', message: expect.stringContaining('no ready pod') });
  });
});
