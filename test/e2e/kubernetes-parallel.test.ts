/**
 * A parallel run on Kubernetes, with the real `skiff up`: a candidate release runs beside the
 * trusted one in the cluster, Skiff's router pods (2 replicas) copy the requests to it and compare
 * the answers, and the report the control plane gives is the two routers' counts merged: the
 * endpoint whose answers differ, with examples, and the noise left out, as on local
 * (rollouts.test.ts). Clients get the trusted release's answers only.
 *
 * Where it runs: kubernetes-cluster.ts (the fake API server in docker mode and a real registry by
 * default; a real cluster with SKIFF_TEST_KUBECONFIG).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeResources, type KubeObject } from '../../src/providers/kubernetes/client/index.js';
import { clusterEnvironments, startTestCluster, testClusterMissing, type TestCluster } from './kubernetes-cluster.js';
import { startPlatform, waitFor, type InstanceJson, type Platform } from './platform.js';

const missing = await testClusterMissing();

/** PRICE is the price the release answers; /noisy differs between any two answers (the noise). */
const server = `import http from 'node:http';
http.createServer((req, res) => {
  const send = (body) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  if (req.url === '/health') return send({ ok: true });
  if (req.url === '/price') return send({ item: 'tea', price: Number(process.env.PRICE) });
  if (req.url === '/noisy') return send({ requestId: Math.random().toString(36).slice(2), at: String(process.hrtime.bigint()), items: [1, 2, 3] });
  send({ service: 'shop', items: [1, 2, 3] });
}).listen(Number(process.env.PORT), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

function spec(cluster: TestCluster, price: number): string {
  return `name: kube-parallel
services:
  shop:
    path: svc
    start: [node, server.mjs]
    build: {}
    env: { PRICE: "${price}" }
    readiness: { http: /health, interval: 500ms, failureThreshold: 2 }
    stopGrace: 2s
    strategy: { type: rolling }
    routes: [{ path: /shop, stripPrefix: true }]
${clusterEnvironments(cluster, 'shop', 1)}`;
}

/** A GET on a connection of its own: the node port sends each connection to the next router pod, so requests reach both. */
function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: 10_000 }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
      answer.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

interface Report {
  readonly active: boolean;
  readonly candidate: string;
  readonly trusted: string;
  readonly compared: number;
  readonly routes: readonly {
    readonly mirrored: number;
    readonly compared: number;
    readonly endpoints: readonly { readonly endpoint: string; readonly compared: number; readonly differences: readonly { readonly key: string; readonly samples: readonly { readonly trusted: string; readonly candidate: string }[] }[] }[];
    readonly noiseKeys: readonly string[];
  }[];
  readonly unreadRouters: readonly { readonly router: string }[];
}

describe.runIf(missing.length === 0)("a parallel run on Kubernetes, compared by Skiff's router pods", () => {
  let cluster: TestCluster;
  let platform: Platform;

  beforeAll(async () => {
    cluster = await startTestCluster('skiff-parallel');
    platform = await startPlatform({ spec: spec(cluster, 3), files: { 'svc/server.mjs': server } });
  }, 120_000);

  afterAll(async () => {
    if (process.env.SKIFF_E2E_OUTPUT) console.log(platform?.output());
    await platform?.stop();
    await cluster?.stop();
  }, 180_000);

  const pods = async (): Promise<InstanceJson[]> => (await platform.status('cluster')).instances.filter((instance) => instance.service === 'shop');
  const readyCount = (all: readonly InstanceJson[], release: string): number => all.filter((pod) => pod.release === release && pod.state === 'ready').length;
  const report = async (): Promise<Report> => (await (await platform.fetch('/api/v1/environments/cluster/services/shop/parallel')).json()) as Report;

  it("reports the endpoint whose answers differ between the two releases, merged over both router pods, with examples and the noise left out; clients get the trusted answers", async () => {
    expect(platform.cli(['build', 'shop']).code).toBe(0);
    const first = await platform.cliAsync(['deploy', 'shop', 'latest', 'cluster', '--detach']);
    expect(first.code, first.stderr).toBe(0);
    await waitFor('v1 ready', async () => readyCount(await pods(), 'v1') === 1 || null, 300_000);
    cluster.writeSpec(platform.specDir, spec(cluster, 4));
    const applied = await platform.cliAsync(['apply', 'skiff.yaml']);
    expect(applied.code, applied.stderr).toBe(0);
    await waitFor('only v2 running', async () => {
      const all = await pods();
      return (all.length === 1 && readyCount(all, 'v2') === 1) || null;
    }, 300_000);

    const started = await platform.cliAsync(['parallel', 'start', 'shop', 'cluster', '--release', 'v1']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('v1 beside v2');
    // The candidate's pod beside the trusted release, which gets a second pod to measure the noise.
    await waitFor('a v1 candidate pod and two v2 pods', async () => {
      const all = await pods();
      return (readyCount(all, 'v1') === 1 && readyCount(all, 'v2') === 2) || null;
    }, 300_000);

    const routerUrl = await cluster.routerUrl();
    const paths = ['/shop/price', '/shop/noisy', '/shop/static'];
    const prices = new Set<unknown>();
    let failed = 0;
    let sent = 0;
    const merged = await waitFor('each endpoint compared 20 times', async () => {
      for (let index = 0; index < 30 && sent < 3_000; index++, sent++) {
        const answer = await getJson(`${routerUrl}${paths[index % paths.length]}`).catch(() => null);
        if (answer?.status !== 200) failed += 1;
        else if (answer.body.price !== undefined) prices.add(answer.body.price);
      }
      const current = await report();
      const endpoints = current.routes[0]?.endpoints ?? [];
      return endpoints.length === 3 && endpoints.every((endpoint) => endpoint.compared >= 20) ? current : null;
    }, 300_000);
    expect(failed).toBe(0);
    expect([...prices]).toEqual([4]);
    expect(merged.unreadRouters).toEqual([]);
    const [route] = merged.routes;
    const differing = route!.endpoints.filter((endpoint) => endpoint.differences.length > 0);
    expect(differing.map((endpoint) => endpoint.endpoint)).toEqual(['GET /price']);
    expect(differing[0]!.differences.map((difference) => difference.key)).toEqual(['body:price']);
    expect(differing[0]!.differences[0]!.samples[0]).toMatchObject({ trusted: '4', candidate: '3' });
    expect(route!.noiseKeys).toEqual(expect.arrayContaining(['body:requestId', 'body:at']));

    // The report is the sum of both router pods' counts, each counted once: no copy more than requests sent.
    const routerPods = (await cluster.client.list<KubeObject>(kubeResources.Pod, { labelSelector: 'app.kubernetes.io/name=skiff-router' })).items;
    expect(routerPods).toHaveLength(2);
    const perPod = await waitFor('the report equal to the sum of the router pods\' counts', async () => {
      const mirrored = await Promise.all(
        routerPods.map(async (pod) => {
          const counts = JSON.parse(await cluster.client.proxyPod(pod.metadata.name, 8081, { method: 'GET', path: '/parallel/counts' })) as { routes: { mirrored: number }[] };
          return counts.routes.reduce((sum, counted) => sum + counted.mirrored, 0);
        }),
      );
      const total = (await report()).routes.reduce((sum, counted) => sum + counted.mirrored, 0);
      return mirrored.reduce((sum, count) => sum + count, 0) === total ? { mirrored, total } : null;
    }, 60_000);
    console.log(`parallel run on Kubernetes: ${sent} requests sent, mirrored per router pod ${JSON.stringify(perPod.mirrored)}, in the report ${perPod.total}`);
    expect(perPod.mirrored.every((count) => count > 0)).toBe(true);
    expect(perPod.total).toBeLessThanOrEqual(sent);

    // Not `cli` (spawnSync): the fake API server answers from this process.
    const printed = await platform.cliAsync(['parallel', 'report', 'shop', 'cluster']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('GET /price');
    expect(printed.stdout).toContain('body:price');
    expect(printed.stdout).not.toContain('GET /static:');
    expect(printed.stdout).not.toContain('did not answer');

    const stopped = await platform.cliAsync(['parallel', 'stop', 'shop', 'cluster']);
    expect(stopped.code, stopped.stderr).toBe(0);
    await waitFor('the candidate and the noise pod gone', async () => {
      const all = await pods();
      return (all.length === 1 && readyCount(all, 'v2') === 1) || null;
    }, 300_000);
  }, 900_000);
});
