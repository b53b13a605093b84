/**
 * Skiff's router in a cluster, with real traffic: the fake API server in docker mode runs the
 * release pods as containers (their image pushed to a real registry on 127.0.0.1 and pulled by
 * digest), two router processes on this machine follow the cluster by kubeconfig (as a router
 * pod does in-cluster), and the provider reads their admin ports. Skipped, loudly, only when the
 * Docker engine or Debian's docker-registry is missing (a failure in CI).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDirectory } from '../../../artifacts/index.js';
import type { RouteTable } from '../../../core/route-table.js';
import { engineForTests } from '../../../drivers/docker/testing/test-image.js';
import type { ProviderContext } from '../../../reconcile/provider.js';
import { planRouteTable, trafficKey, type ReadyInstance } from '../../../reconcile/route-planner.js';
import { desiredService } from '../../../reconcile/testing/deployments.js';
import type { DesiredService } from '../../../spec/desired.js';
import { waitFor } from '../../../router/test-fixtures.js';
import { processScope, spawnRouter, type SpawnedRouter } from '../../../router/testing/processes.js';
import { startFakeKubeApi, type FakeKubeApi } from '../../../../test/kube-api/start-fake-kube-api.js';
import { freePort } from '../../local/free-port.js';
import { kubeResources, type KubeClient, type KubeObject } from '../client/index.js';
import { releaseImage } from '../images/index.js';
import { missingForRegistrySuite, startLocalRegistry, type LocalRegistry } from '../images/testing/local-registry.js';
import { KubernetesProvider } from '../kubernetes-provider.js';
import { envConfigMap } from '../manifests/config-maps.js';
import { releaseDeployment } from '../manifests/release-deployment.js';
import { releaseService } from '../manifests/release-service.js';

const engine = await engineForTests();
const missing = missingForRegistrySuite('the cluster router tests', engine);

/** The release's server: names its pod and release; `?ms=N` answers after N ms; no graceful stop at all (SIGTERM exits at once). */
const serverScript = `import http from 'node:http';
const server = http.createServer((req, res) => {
  const ms = Number(new URL(req.url, 'http://x').searchParams.get('ms') ?? 0);
  req.resume();
  req.on('end', () => setTimeout(() => res.end(process.env.VERSION + ' ' + process.env.SKIFF_INSTANCE_ID), ms));
});
server.listen(Number(process.env.PORT), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

const namespace = 'skiff-prod';

/** A TCP proxy on a fixed port in front of the API server, which the test can take down and bring back. */
async function apiProxy(target: number): Promise<{ port: number; down(): Promise<void>; up(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort(new Set());
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const up = async (): Promise<void> => {
    server = net.createServer((client) => {
      const upstream = net.connect(target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
  };
  const down = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
    server = undefined;
  };
  await up();
  return { port, up, down, close: down };
}

describe.runIf(missing.length === 0)("Skiff's router in a cluster", () => {
  const scope = processScope('skiff-cluster-router-');
  let registry: LocalRegistry;
  let api: FakeKubeApi;
  let proxy: Awaited<ReturnType<typeof apiProxy>>;
  let provider: KubernetesProvider;
  let client: KubeClient;
  let version = 0;
  const routers: { router: SpawnedRouter; adminPort: number; origin: string }[] = [];
  const releases: DesiredService[] = [];

  beforeAll(async () => {
    registry = await startLocalRegistry();
    api = await startFakeKubeApi({ docker: true, backoffMs: 500, namespaces: [namespace] });
    proxy = await apiProxy(Number(new URL(api.url).port));

    // One image for both releases (they differ in config): the artifact pushed to the registry, pulled by digest.
    const dir = path.join(scope.dir, 'artifact');
    await mkdir(path.join(dir, 'tree'), { recursive: true });
    await writeFile(path.join(dir, 'tree', 'server.mjs'), serverScript);
    const { digest } = await packDirectory(path.join(dir, 'tree'), path.join(dir, 'artifact.tar'));
    const image = await releaseImage({ service: 'web', artifact: { kind: 'archive', digest, archivePath: path.join(dir, 'artifact.tar'), start: ['node', 'server.mjs'] }, registry: `${registry.host}/skiff`, engine: {} });

    const context: ProviderContext = {
      environment: 'prod',
      routerPort: 8080,
      hooks: { emit: () => undefined, instanceChanged: () => undefined, routesChanged: async () => undefined, drainTimeoutMs: () => 10_000, dataPlaneRestarted: () => undefined },
    };
    const adminPorts = [await freePort(new Set()), await freePort(new Set())];
    provider = new KubernetesProvider(context, {
      settings: { serviceType: 'NodePort', kubeconfig: api.kubeconfigPath, namespace },
      registry: `${registry.host}/skiff`,
      specDir: scope.dir,
      dataDir: scope.dir,
      kubeconfigDefaults: { homeDir: scope.dir },
      clock: { now: () => Date.now() },
      secretEnv: async () => ({}),
      // Nothing is placed through the provider here: its data plane is what is tested.
      publishImage: async () => {
        throw new Error('no image is published in this test');
      },
      routerAdmins: async () => adminPorts.map((port, index) => ({ name: `router-${index}`, url: `http://127.0.0.1:${port}` })),
    });
    client = provider.client;
    await provider.start({ name: 'prod', services: [] });

    // Two releases, two pods each, with the manifests `skiff export` writes (preStop sleep, grace, probes).
    for (const release of ['v1', 'v2']) {
      const service = desiredService(release, `hash-${release}`, {
        environment: 'prod',
        artifact: digest,
        command: ['node', 'server.mjs'],
        readiness: { http: '/health', interval: 500, timeout: 1000, successThreshold: 1, failureThreshold: 1, startGrace: 30_000 },
        routes: [{ path: '/web', stripPrefix: true, retryMethods: ['GET'] }],
      });
      releases.push(service);
      const workload = { service, release, replicas: 2, image: image.reference, secrets: {} };
      for (const object of [envConfigMap('prod', namespace, workload), releaseDeployment('prod', namespace, workload), releaseService('prod', namespace, workload)]) {
        await client.apply(object as KubeObject);
      }
    }
    await waitFor(() => provider.observed('web').filter((instance) => instance.state === 'ready').length === 4, 90_000, 'four ready pods');

    // The routers follow the API server through the proxy, which the last test takes down.
    const kubeconfig = path.join(scope.dir, 'through-proxy.kubeconfig');
    await writeFile(kubeconfig, (await readFile(api.kubeconfigPath, 'utf8')).replace(api.url, `https://127.0.0.1:${proxy.port}`));
    for (const [index, adminPort] of adminPorts.entries()) {
      const routerDir = path.join(scope.dir, `router-${index}`);
      await mkdir(routerDir);
      // Not the scope's spawnRouter: that one is killed after each test, these serve the whole file.
      const router = spawnRouter(routerDir, ['--workers', '0', '--kube-namespace', namespace, '--kubeconfig', kubeconfig, '--admin-listen', `127.0.0.1:${adminPort}`]);
      routers.push({ router, adminPort, origin: `http://127.0.0.1:${await router.port()}` });
    }
  }, 240_000);

  afterAll(async () => {
    for (const { router } of routers) if (router.child.exitCode === null && router.child.pid !== undefined) process.kill(router.child.pid, 'SIGKILL');
    provider?.detach();
    await proxy?.close();
    await api?.stop();
    await registry?.stop();
    // The engine keeps what it pushed, tagged under this registry's address: remove those images.
    if (engine.reachable && registry) {
      for (const image of await engine.docker.listImages()) {
        if ((image.RepoTags ?? []).some((tag) => tag.startsWith(`${registry.host}/`))) await engine.docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
      }
    }
  });

  /** Publishes, as the control plane does, the table of the pods it sees ready, with `weights`. */
  async function publish(weights: Record<string, number>): Promise<RouteTable> {
    const ready: ReadyInstance[] = provider
      .observed('web')
      .filter((instance) => instance.state === 'ready' && instance.address !== null)
      .map((instance) => ({ id: instance.id, environment: 'prod', service: 'web', release: instance.release, address: instance.address! }));
    const table = planRouteTable([{ name: 'prod', services: [releases[0]!] }], ready, ++version, Date.now(), new Map([[trafficKey('prod', 'web'), { weights }]]));
    await provider.publishRoutes(table);
    return table;
  }

  async function get(origin: string, query = ''): Promise<{ status: number; release: string; pod: string; instance: string | null }> {
    const answer = await fetch(`${origin}/web/${query}`, { signal: AbortSignal.timeout(10_000) });
    const [release = '', pod = ''] = (await answer.text()).split(' ');
    return { status: answer.status, release, pod, instance: answer.headers.get('x-skiff-instance') };
  }

  /** Until every router serves table `version` (its admin port says so). */
  async function served(tableVersion: number): Promise<void> {
    for (const { adminPort } of routers) {
      await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).json()) as { version: number }).version === tableVersion, 15_000, `table ${tableVersion}`);
    }
  }

  it("routes by the ConfigMap's weights to the pods of the EndpointSlices; a weight change moves traffic; counters add up over both routers", async () => {
    await served((await publish({ v1: 100, v2: 0 })).version);
    const pods = new Set<string>();
    for (const { origin } of routers) {
      for (let i = 0; i < 20; i++) {
        const answer = await get(origin);
        expect(answer).toMatchObject({ status: 200, release: 'v1' });
        // The router's backend is the pod that answered: the EndpointSlice's address of that pod.
        expect(answer.instance).toBe(answer.pod);
        pods.add(answer.pod);
      }
    }
    expect(pods).toEqual(new Set(provider.observed('web').filter((i) => i.release === 'v1').map((i) => i.id)));

    await served((await publish({ v1: 50, v2: 50 })).version);
    const before = await provider.counters('web');
    const seen = { v1: 0, v2: 0 };
    for (const [index, { origin }] of routers.entries()) {
      // 60 through one router, 40 through the other: the provider's counters are their sum.
      for (let i = 0; i < (index === 0 ? 60 : 40); i++) seen[(await get(origin)).release as 'v1' | 'v2']++;
    }
    expect(seen.v1 + seen.v2).toBe(100);
    expect(seen.v2).toBeGreaterThanOrEqual(40);
    expect(seen.v2).toBeLessThanOrEqual(60);
    const after = await provider.counters('web');
    const counted = (release: 'v1' | 'v2'): number => (after.releases[release]?.requests ?? 0) - (before.releases[release]?.requests ?? 0);
    expect({ v1: counted('v1'), v2: counted('v2') }).toEqual(seen);
    expect((await provider.load()).get('web')?.requests).toBeGreaterThanOrEqual(140);
    expect(await provider.dataPlaneMetrics()).toMatch(/skiff_router_responses_total\{[^}]*release="v2"[^}]*\} \d+/);
    // The admin port reads; it takes no table (that comes from the ConfigMap).
    const put = await fetch(`http://127.0.0.1:${routers[0]!.adminPort}/table`, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
  }, 120_000);

  it('drains a pod that leaves the EndpointSlice: 0 failed POSTs under a bounded load, and its replacement takes traffic without a new table', async () => {
    await served((await publish({ v1: 100, v2: 0 })).version);
    const victim = provider.observed('web').find((instance) => instance.release === 'v1' && instance.state === 'ready')!;
    const pods = new Set(provider.observed('web').map((instance) => instance.id));
    const figures = { sent: 0, failed: 0, failures: [] as string[], pods: new Set<string>() };
    let stop = false;
    const deadline = Date.now() + 60_000;
    // POSTs are never retried by the router: a request lost to a dying pod would fail here.
    const loop = async (origin: string): Promise<void> => {
      while (!stop && Date.now() < deadline && figures.sent < 5_000) {
        figures.sent++;
        try {
          const answer = await fetch(`${origin}/web/?ms=300`, { method: 'POST', body: 'x', signal: AbortSignal.timeout(10_000) });
          const text = await answer.text();
          if (answer.status !== 200) throw new Error(`${answer.status} ${text}`);
          figures.pods.add(text.split(' ')[1] ?? '');
        } catch (error) {
          figures.failed++;
          if (figures.failures.length < 3) figures.failures.push((error as Error).message);
        }
      }
    };
    const loops = routers.flatMap(({ origin }) => [loop(origin), loop(origin), loop(origin), loop(origin)]);
    await waitFor(() => figures.pods.has(victim.id), 15_000, 'the victim to serve');
    await client.delete(kubeResources.Pod, victim.id);
    // The provider's drain: every router replica has taken the pod out and finished what it sent there.
    expect(await provider.drain(victim.address!, 10_000)).toEqual({ drained: true, inFlight: 0 });
    // The ReplicaSet replaces it; the new pod was never in a table the control plane published.
    await waitFor(async () => (await client.get(kubeResources.Pod, victim.id)) === undefined, 45_000, 'the pod to be gone');
    const fresh = (): string | undefined => provider.observed('web').find((i) => i.release === 'v1' && i.state === 'ready' && i.id !== victim.id && !pods.has(i.id))?.id;
    await waitFor(() => fresh() !== undefined, 45_000, 'a ready replacement');
    const replacement = fresh()!;
    await waitFor(() => figures.pods.has(replacement), 15_000, 'the replacement to serve');
    stop = true;
    await Promise.all(loops);
    console.log(`drain under load: ${figures.sent} POSTs, ${figures.failed} failed ${figures.failures.join(' | ')}`);
    expect(figures.failures).toEqual([]);
    expect(figures.sent).toBeGreaterThan(50);
  }, 150_000);

  it('keeps routing with its last table while the API server is unreachable, and follows the ConfigMap again when it is back', async () => {
    await served((await publish({ v1: 100, v2: 0 })).version);
    await proxy.down();
    // Written while the routers cannot see it.
    const hidden = await publish({ v1: 0, v2: 100 });
    for (const { origin } of routers) {
      for (let i = 0; i < 20; i++) expect(await get(origin)).toMatchObject({ status: 200, release: 'v1' });
    }
    await proxy.up();
    await served(hidden.version);
    for (const { origin } of routers) expect(await get(origin)).toMatchObject({ status: 200, release: 'v2' });
    expect(routers[0]!.router.output()).toContain('cannot watch the cluster; routing with the last table');
  }, 120_000);
});
