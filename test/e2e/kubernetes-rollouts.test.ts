/**
 * Rollouts on Kubernetes through Skiff's router in the cluster, with the real `skiff up`: a
 * service is deployed to a `provider: kubernetes` environment (its image pushed to a registry and
 * pulled by digest), `skiff up` deploys Skiff's router in the namespace (2 replicas, a disruption
 * budget, a NodePort Service) and publishes the routing table to it; load goes through the
 * router's Service; a healthy canary is promoted with 0 failed requests, and a canary answering
 * 500s is rolled back by its analysis; a canary whose pods crash-loop stops at its step with the
 * kubelet's reason, and abort restores the stable release. The step machines and analyses are the ones the local
 * provider uses.
 *
 * Where it runs (kubernetes-cluster.ts): by default against the fake API server in docker mode
 * (pods as containers on 127.X.Y.Z, the router's pods in the host's network, node ports on
 * 127.0.0.1) and a real registry on 127.0.0.1; with SKIFF_TEST_KUBECONFIG (`npm run
 * test:kubernetes`) against that cluster. Skipped, loudly, when the engine or registry is missing
 * outside CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeResources, type KubeObject } from '../../src/providers/kubernetes/client/index.js';
import { startTestCluster, testClusterMissing, type TestCluster } from './kubernetes-cluster.js';
import { startPlatform, waitFor, type InstanceJson, type Platform } from './platform.js';
import { startLoad, summary } from './load.js';

const missing = await testClusterMissing();

/** VERSION names the release in each answer; FAIL=1 answers 500 to everything but the health check; CRASH=1 exits at once. */
const server = `import http from 'node:http';
if (process.env.CRASH === '1') process.exit(3);
http.createServer((req, res) => {
  if (req.url === '/health') { res.writeHead(200); res.end('ok'); return; }
  const status = process.env.FAIL === '1' ? 500 : 200;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ version: process.env.VERSION, instance: process.env.SKIFF_INSTANCE_ID }));
}).listen(Number(process.env.PORT), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

const strategy = '{ type: canary, steps: [{ weight: 25 }, { analysis: quick }, { weight: 50 }, { analysis: quick }] }';

function spec(cluster: TestCluster, env: Record<string, string>): string {
  return `name: kube-rollouts
services:
  shop:
    path: svc
    start: [node, server.mjs]
    build: {}
    env: ${JSON.stringify(env)}
    readiness: { http: /health, interval: 500ms, failureThreshold: 2 }
    stopGrace: 2s
    strategy: ${strategy}
    routes: [{ path: /shop, stripPrefix: true }]
analyses:
  quick:
    window: 3s
    minRequests: 30
    checks:
      - { metric: errorRate, max: 1% }
environments:
  dev:
    services: { shop: { instances: 0 } }
  cluster:
    provider: kubernetes
    registry: ${cluster.registry}
    kubernetes: { kubeconfig: ${JSON.stringify(cluster.kubeconfigPath)}, namespace: ${cluster.namespace}, serviceType: NodePort }
    services: { shop: { instances: 2 } }
`;
}

interface Rollout {
  readonly active: boolean;
  readonly phase: string;
  readonly result: string | null;
  readonly reason: string;
  readonly weights: Record<string, number> | null;
  readonly steps: readonly { readonly state: string }[];
  readonly next: { readonly release: string };
  readonly analyses: readonly { readonly outcome: string; readonly canary: { readonly requests: number; readonly errorRate: number | null } }[];
}

describe.runIf(missing.length === 0)("rollouts on Kubernetes through Skiff's router in the cluster", () => {
  let cluster: TestCluster;
  let platform: Platform;
  let routerUrl: string;

  beforeAll(async () => {
    cluster = await startTestCluster('skiff-rollouts');
    platform = await startPlatform({ spec: spec(cluster, { VERSION: '1' }), files: { 'svc/server.mjs': server } });
  }, 120_000);

  afterAll(async () => {
    if (process.env.SKIFF_E2E_OUTPUT) console.log(platform?.output());
    // The control plane first: its stop deletes what it made in the namespace while the API server still answers.
    await platform?.stop();
    await cluster?.stop();
  }, 180_000);

  const rollout = async (): Promise<Rollout | null> => {
    const answer = await platform.fetch('/api/v1/environments/cluster/services/shop/rollout');
    return answer.status === 200 ? ((await answer.json()) as Rollout) : null;
  };
  const finished = (release: string): Promise<Rollout> =>
    waitFor(`the rollout of ${release} to finish`, async () => {
      const current = await rollout();
      return current && current.next.release === release && !current.active ? current : null;
    }, 300_000);
  const readyPods = (count: number, release: string): Promise<InstanceJson[]> =>
    waitFor(`${count} ready shop pods of ${release}`, async () => {
      const instances = (await platform.status('cluster')).instances.filter((instance) => instance.service === 'shop');
      return instances.length === count && instances.every((instance) => instance.state === 'ready' && instance.release === release) ? instances : null;
    }, 300_000);
  const apply = (env: Record<string, string>): void => {
    cluster.writeSpec(platform.specDir, spec(cluster, env));
    const applied = platform.cli(['apply', 'skiff.yaml']);
    expect(applied.code, applied.stderr).toBe(0);
  };

  it("skiff up deploys Skiff's router in the namespace (2 replicas, a disruption budget, a NodePort Service), which routes to the release's pods", async () => {
    expect(platform.cli(['build', 'shop']).code).toBe(0);
    const deploy = await platform.cliAsync(['deploy', 'shop', 'latest', 'cluster', '--detach']);
    expect(deploy.code, deploy.stderr).toBe(0);
    const pods = await readyPods(2, 'v1');

    const router = await cluster.client.get<KubeObject & { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }>(kubeResources.Deployment, 'skiff-router');
    expect(router?.spec.replicas).toBe(2);
    expect(router?.spec.template.spec.containers[0]?.image).toMatch(/\/skiff-router@sha256:[0-9a-f]{64}$/);
    expect(await cluster.client.get(kubeResources.PodDisruptionBudget, 'skiff-router')).toMatchObject({ spec: { minAvailable: 1 } });
    expect(await cluster.client.get(kubeResources.Service, 'shop-v1')).toMatchObject({ spec: { type: 'ClusterIP', selector: { 'skiff.dev/release': 'v1' } } });
    routerUrl = await cluster.routerUrl();

    // Both pods answer through the router's Service once both router replicas have the table.
    const seen = await waitFor('answers from both shop pods through the router', async () => {
      const instances = new Set<string>();
      for (let i = 0; i < 40; i += 1) {
        const answer = await fetch(`${routerUrl}/shop/`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
        if (answer?.status === 200) instances.add(((await answer.json()) as { instance: string }).instance);
      }
      return instances.size === 2 ? instances : null;
    }, 240_000);
    expect([...seen].sort()).toEqual(pods.map((pod) => pod.id).sort());
  }, 600_000);

  it('a healthy canary is promoted step by step through the router with 0 failed requests', async () => {
    const load = startLoad(`${routerUrl}/shop/`, { maxMs: 300_000, maxRequests: 200_000, connections: 4 });
    apply({ VERSION: '2' });
    const done = await finished('v2');
    await readyPods(2, 'v2');
    const result = await load.stop();
    console.log(`healthy canary on Kubernetes under load: ${summary(result)}; by version ${JSON.stringify(result.byVersion)}`);
    expect(done).toMatchObject({ result: 'completed', weights: { v2: 100 } });
    expect(done.analyses.filter((analysis) => analysis.outcome === 'pass')).toHaveLength(2);
    expect(result.failed, summary(result)).toBe(0);
    expect(result.byVersion['1']).toBeGreaterThan(0);
    expect(result.byVersion['2']).toBeGreaterThan(0);
  }, 600_000);

  it('a canary answering 500s is rolled back by its analysis; the stable release keeps serving', async () => {
    const load = startLoad(`${routerUrl}/shop/`, { maxMs: 300_000, maxRequests: 200_000, connections: 4 });
    apply({ VERSION: '3', FAIL: '1' });
    const done = await finished('v3');
    await readyPods(2, 'v2');
    const result = await load.stop();
    console.log(`failing canary on Kubernetes under load: ${summary(result)}`);
    expect(done).toMatchObject({ result: 'aborted', weights: { v2: 100 } });
    expect(done.reason).toContain('errorRate');
    expect(done.steps.map((step) => step.state)).toEqual(['done', 'failed', 'skipped', 'skipped', 'skipped']);
    expect(done.analyses.at(-1)?.canary.errorRate).toBeGreaterThan(0.5);
    // Only the canary's share failed, and after the rollback the stable release answers alone.
    expect(result.failed).toBeGreaterThan(0);
    expect(result.failed / result.total).toBeLessThanOrEqual(0.25 + 0.05);
    const after = startLoad(`${routerUrl}/shop/`, { maxMs: 30_000, maxRequests: 200 });
    const afterResult = await after.finished();
    expect(afterResult.failed, summary(afterResult)).toBe(0);
    expect(Object.keys(afterResult.byVersion)).toEqual(['2']);
    // The canary's objects are pruned once its pods are gone.
    await waitFor('shop-v3 pruned', async () => ((await cluster.client.get(kubeResources.Deployment, 'shop-v3')) === undefined && (await cluster.client.get(kubeResources.Service, 'shop-v3')) === undefined) || null, 120_000);
  }, 600_000);

  it("a canary whose pods crash-loop stops at its step with the kubelet's reason; abort restores the stable release with 0 failed requests", async () => {
    const load = startLoad(`${routerUrl}/shop/`, { maxMs: 300_000, maxRequests: 200_000, connections: 4 });
    apply({ VERSION: '4', CRASH: '1' });
    const stopped = await waitFor('the rollout of v4 stopped at its first step', async () => {
      const current = await rollout();
      return current?.next.release === 'v4' && current.phase === 'paused' && current.reason.includes('cannot become ready') ? current : null;
    }, 300_000);
    expect(stopped.reason).toMatch(/^step 1 of 4, 0% on v4: stopped: shop-v4-\S+ of v4 cannot become ready: CrashLoopBackOff: .*exit code 3.*`skiff rollout abort` goes back to v2$/);
    expect(platform.cli(['rollout', 'status', 'shop', 'cluster']).stdout).toContain('cannot become ready: CrashLoopBackOff');
    const abort = await platform.cliAsync(['rollout', 'abort', 'shop', 'cluster']);
    expect(abort.code, abort.stderr).toBe(0);
    const done = await finished('v4');
    await readyPods(2, 'v2');
    const result = await load.stop();
    console.log(`crash-looping canary on Kubernetes, aborted, under load: ${summary(result)}`);
    expect(done).toMatchObject({ result: 'aborted', weights: { v2: 100 } });
    expect(result.failed, summary(result)).toBe(0);
    expect(Object.keys(result.byVersion)).toEqual(['2']);
  }, 600_000);
});
