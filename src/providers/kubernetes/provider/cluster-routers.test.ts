/**
 * The provider's side of the routers in the cluster, against the fake API server (simulated pods,
 * or pods as containers) and real HTTP on 127.0.0.1: the router Deployment applied at start with
 * the image by digest, the router pods found at their IPs or through pods/proxy, metrics of
 * replicas summed, a replica that does not answer named. (Traffic through real routers:
 * router-feed/cluster-router.test.ts.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SkiffError } from '../../../core/errors.js';
import type { ProviderContext } from '../../../reconcile/provider.js';
import { startFakeKubeApi, type FakeKubeApi, type FakeKubeApiOptions } from '../../../../test/kube-api/start-fake-kube-api.js';
import { kubectlRunner } from '../../../../test/kube-api/testing/kubectl.js';
import { ensureBaseImage } from '../../../drivers/docker/base-image.js';
import { connectEngine } from '../../../drivers/docker/engine.js';
import { routerSelector } from '../manifests/labels.js';
import { kubeResources, type KubeObject } from '../client/index.js';
import { KubernetesProvider, type KubernetesProviderDeps } from '../kubernetes-provider.js';
import { renderFamilies } from '../../../monitoring/prom-text.js';
import { endpointCounts, recordCandidate, recordNoise, type ParallelSnapshot, type RouteCounts } from '../../../router/parallel/counts.js';
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

async function provider(extra: Partial<KubernetesProviderDeps>, fake: FakeKubeApiOptions = {}): Promise<{ subject: KubernetesProvider; api: FakeKubeApi }> {
  const api = await startFakeKubeApi({ namespaces: [namespace], ...fake });
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
  return { subject: created, api };
}

/** A router admin port on 127.0.0.1 answering every GET with `text`; `seen` collects each request's method and path. */
async function adminServing(text: string, seen: string[] = []): Promise<string> {
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.end(text);
  });
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
    const { subject } = await provider({ routerImage: async () => routerImage });
    await subject.start({ name: 'dev', services: [] });
    const deployment = await subject.client.get<IDeployment & KubeObject>(kubeResources.Deployment, 'skiff-router');
    expect(deployment?.spec?.replicas).toBe(2);
    expect(deployment?.spec?.template.spec?.containers[0]?.image).toBe(routerImage);
    expect(await subject.client.get(kubeResources.PodDisruptionBudget, 'skiff-router')).toBeDefined();
    const admins = await vi.waitFor(async () => {
      const found = await routerPodAdmins(subject.client, 'proxy')();
      expect(found).toHaveLength(2);
      return found;
    }, { timeout: 15_000, interval: 50 });
    for (const admin of admins) {
      expect(admin).toEqual({ name: expect.stringMatching(/^skiff-router-/), url: `${subject.client.connection.server}/api/v1/namespaces/${namespace}/pods/${admin.name}:8081/proxy`, send: expect.any(Function) });
    }
    for (const admin of await routerPodAdmins(subject.client, 'direct')()) expect(admin).toEqual({ name: expect.stringMatching(/^skiff-router-/), url: expect.stringMatching(/^http:\/\/10\.244\.\d+\.\d+:8081$/) });
    // The data plane's pods are not a service's instances: the reconciler would stop them.
    expect(subject.observed()).toEqual([]);
  });

  it('writes nothing when the router image cannot be had', async () => {
    const { subject } = await provider({
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

    const { subject } = await provider({ routerAdmins: async () => urls.map((url, index) => ({ name: `skiff-router-${index}`, url })) });
    const counters = await subject.counters('web');
    expect([counters.releases['v1']?.requests, counters.releases['v2']?.requests]).toEqual([8, 3]);

    const gone = new ClusterRouters(async () => [{ name: 'skiff-router-x', url: 'http://127.0.0.1:1' }], namespace);
    await expect(gone.metrics()).rejects.toMatchObject({ code: 'SKIFF_ROUTER_UNREACHABLE', message: expect.stringContaining('router skiff-router-x (http://127.0.0.1:1)') });
    expect(await gone.drain({ host: '10.0.0.1', port: 8080 }, 100)).toEqual({ drained: false, inFlight: 0 });
    await expect(new ClusterRouters(async () => [], namespace).metrics()).rejects.toMatchObject({ code: 'SKIFF_ROUTER_UNREACHABLE', message: expect.stringContaining('no ready pod') });
  });

  it("merges the replicas' parallel-run counts into one report (judged once over the sums), names a replica that does not answer, and resets every replica", async () => {
    /** One router's counts: `price` copies whose price differs, `at` copies whose timestamp differs, and noise copies (trusted vs trusted) whose timestamp differs. */
    const counts = (price: number, at: number, noise: number, candidate: string): ParallelSnapshot => {
      const route: RouteCounts = { route: 'cluster/shop/0', environment: 'cluster', service: 'shop', candidateRelease: 'v1', mirrored: price + at, dropped: 0, tooLarge: 0, endpoints: {} };
      for (let i = 0; i < price; i++) recordCandidate(endpointCounts(route, 'GET /price'), `/price?i=${i}`, [{ key: 'body:price', trusted: '4', candidate }]);
      for (let i = 0; i < at; i++) recordCandidate(endpointCounts(route, 'GET /static'), '/static', [{ key: 'body:at', trusted: '1', candidate: '2' }]);
      for (let i = 0; i < noise; i++) recordNoise(endpointCounts(route, 'GET /static'), [{ key: 'body:at', trusted: '1', candidate: '3' }]);
      return { routes: [route] };
    };
    const seen: string[][] = [[], []];
    const urls = [await adminServing(JSON.stringify(counts(3, 4, 0, '3')), seen[0]), await adminServing(JSON.stringify(counts(2, 0, 4, '5')), seen[1])];
    const refusing = createServer((_req, res) => {
      res.writeHead(503);
      res.end('not ready');
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => refusing.close(resolve)));
    const admins = [...urls, `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`].map((url, index) => ({ name: `skiff-router-${index}`, url }));
    const routers = new ClusterRouters(async () => admins, namespace);

    const report = await routers.parallelReport();
    expect(report.routes).toHaveLength(1);
    const [route] = report.routes;
    expect(route).toMatchObject({ mirrored: 9, compared: 9, matched: 4, noiseCompared: 4, noiseKeys: ['body:at'] });
    // Only router 1 measured the noise of `body:at`; judged over the sums, router 0's `at` differences are that noise, not a real difference.
    expect(route?.endpoints.map((endpoint) => [endpoint.endpoint, endpoint.compared, endpoint.differing])).toEqual([
      ['GET /price', 5, 5],
      ['GET /static', 4, 0],
    ]);
    const price = route?.endpoints[0]?.differences[0];
    expect(price).toMatchObject({ key: 'body:price', candidateCount: 5 });
    expect(price?.samples.map((sample) => sample.candidate)).toEqual(['3', '3', '3', '5', '5']);
    expect(report.unreadRouters).toEqual([{ router: 'skiff-router-2', reason: expect.stringContaining('answered 503') }]);
    expect(seen.map((requests) => requests.at(-1))).toEqual(['GET /parallel/counts', 'GET /parallel/counts']);

    await expect(routers.resetParallel()).rejects.toMatchObject({ code: 'SKIFF_ROUTER_UNREACHABLE', message: expect.stringContaining('skiff-router-2') });
    expect(seen.map((requests) => requests.at(-1))).toEqual(['POST /parallel/reset', 'POST /parallel/reset']);
    expect((await new ClusterRouters(async () => admins.slice(0, 2), namespace).parallelReport()).unreadRouters).toBeUndefined();
  });

  it('reads counters and drains through the API server (pods/proxy) by default, with its credentials and the Role it checks', async () => {
    const image = (await ensureBaseImage(connectEngine({}))).tag;
    const { subject, api } = await provider({}, { docker: true });
    const kubectl = kubectlRunner(api);
    // Two router replicas' admin ports: /metrics with their counters, /drain answering whether it saw the backend.
    const admin = `
      require('http').createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          if (req.url === '/metrics') return res.end(process.env.EXPOSITION);
          const asked = JSON.parse(body);
          res.end(JSON.stringify({ drained: req.method === 'POST' && asked.backends[0].host === '10.0.0.7' && asked.timeoutMs === 200, inFlight: 0 }));
        });
      }).listen(8081, '0.0.0.0');`;
    const pod = (name: string, text: string): object => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels: routerSelector },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'router', image, command: ['node', '-e', admin], env: [{ name: 'EXPOSITION', value: text }], ports: [{ containerPort: 8081 }], readinessProbe: { httpGet: { path: '/metrics', port: 8081 }, periodSeconds: 1 } }],
      },
    });
    for (const [name, text] of [['skiff-router-a', exposition(3, 1)], ['skiff-router-b', exposition(5, 2)]] as const) {
      expect((await kubectl.run(['apply', '--server-side', '-f', '-'], JSON.stringify(pod(name, text)))).stderr).toBe('');
    }
    expect((await kubectl.run(['wait', '-n', namespace, '--for=condition=Ready', 'pod/skiff-router-a', 'pod/skiff-router-b', '--timeout=60s'])).code).toBe(0);

    const counters = await subject.counters('web');
    expect([counters.releases['v1']?.requests, counters.releases['v2']?.requests]).toEqual([8, 3]);
    expect(await subject.drain({ host: '10.0.0.7', port: 8080 }, 200)).toEqual({ drained: true, inFlight: 0 });

    // The reads went through the API server: without `create` on pods/proxy the drain is refused, without `get` the counters.
    api.setForbidden([{ verb: 'create', resource: 'pods/proxy' }]);
    expect(await subject.drain({ host: '10.0.0.7', port: 8080 }, 200)).toEqual({ drained: false, inFlight: 0 });
    api.setForbidden([{ verb: 'get', resource: 'pods/proxy' }]);
    await expect(subject.counters('web')).rejects.toMatchObject({
      code: 'SKIFF_ROUTER_UNREACHABLE',
      message: expect.stringMatching(/^router skiff-router-[ab] \(https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/skiff-dev\/pods\/skiff-router-[ab]:8081\/proxy\) in namespace "skiff-dev", GET \/metrics: user "skiff-test" may not get pods\/proxy in namespace "skiff-dev"/),
      hint: expect.stringContaining('skiff export'),
    });
  }, 180_000);
});
