/**
 * A function that scales to zero on Kubernetes, with the real `skiff up`: its release is a
 * Deployment (the artifact and Skiff's function runtime in one image, pulled by digest from a
 * real registry) at 0 replicas while idle; a request through Skiff's router in the cluster is held
 * (the route is marked `wake`), the control plane hears of it through the router pods' admin
 * `/wake` long poll, scales the Deployment to 1, and the request is answered once the pod is ready;
 * after `idleAfter` without requests it is back at 0. Prints the cold start (the first request's
 * latency). Where it runs: see kubernetes-cluster.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeResources, type KubeObject } from '../../src/providers/kubernetes/client/index.js';
import { startTestCluster, testClusterMissing, type TestCluster } from './kubernetes-cluster.js';
import { startPlatform, waitFor, type Platform } from './platform.js';

const missing = await testClusterMissing();

const priceHandler = `
export async function fetch(request, env) {
  const url = new URL(request.url);
  return Response.json({ item: url.searchParams.get('item'), price: 3, instance: env.SKIFF_INSTANCE_ID });
}
`;

function spec(cluster: TestCluster): string {
  return `name: kube-functions
services:
  price:
    kind: function
    path: price
    handler: src/price.mjs
    timeout: 5s
    concurrency: 20
    # A real cluster may pull the image on a new node first: hold the woken request longer than the default 10 s.
    routes: [{ path: /price, hold: { timeout: 60s } }]
environments:
  dev:
    services: { price: { instances: 0 } }
  cluster:
    provider: kubernetes
    registry: ${cluster.registry}
    kubernetes: { kubeconfig: ${JSON.stringify(cluster.kubeconfigPath)}, namespace: ${cluster.namespace}, serviceType: NodePort }
    services:
      price:
        autoscale: { min: 0, max: 2, target: { concurrency: 10 }, stableWindow: 1s, panicWindow: 500ms, idleAfter: 3s }
`;
}

interface Decision {
  readonly data: { readonly from: number; readonly to: number; readonly reason: string };
}

type DeploymentObject = KubeObject & { spec: { replicas: number; template: { spec: { containers: { image: string; args?: string[] }[] } } } };

interface StoredEvent {
  readonly time: string;
  readonly type: string;
  readonly instance: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

describe.runIf(missing.length === 0)('a function on Kubernetes scales to zero and is woken through the router', () => {
  let cluster: TestCluster;
  let platform: Platform;

  beforeAll(async () => {
    cluster = await startTestCluster('skiff-functions');
    platform = await startPlatform({ spec: spec(cluster), files: { 'price/src/price.mjs': priceHandler } });
  }, 120_000);

  afterAll(async () => {
    if (process.env.SKIFF_E2E_OUTPUT) console.log(platform?.output());
    await platform?.stop();
    await cluster?.stop();
  }, 180_000);

  /** When the control plane heard of the wake, and the pod was created and ready, after the request was sent. */
  const coldStartSteps = async (pod: string, since: number): Promise<string> => {
    const events = (await (await platform.fetch('/api/v1/events?limit=200')).json()) as StoredEvent[];
    const after = (found: StoredEvent | undefined): string => (found ? `+${Date.parse(found.time) - since} ms` : 'not seen');
    const woken = events.find((event) => event.type === 'autoscale.decision' && event.data.reason === 'wake' && Date.parse(event.time) >= since - 1000);
    const created = events.find((event) => event.type === 'instance.started' && event.instance === pod);
    const ready = events.find((event) => event.type === 'instance.ready' && event.instance === pod);
    return `wake heard ${after(woken)}, pod created ${after(created)}, pod ready ${after(ready)}`;
  };
  const pricePods = async (): Promise<number> => (await platform.status('cluster')).instances.filter((instance) => instance.service === 'price').length;
  const scaledToZero = (): Promise<true> =>
    waitFor('price scaled to zero with no pod left', async () => {
      const deployment = await cluster.client.get<DeploymentObject>(kubeResources.Deployment, 'price-v1');
      const pods = await cluster.client.list<KubeObject>(kubeResources.Pod, { labelSelector: 'app.kubernetes.io/name=price' });
      return deployment?.spec.replicas === 0 && pods.items.length === 0 && (await pricePods()) === 0 ? true : null;
    }, 240_000);

  it('idles at 0 replicas, answers a request through the router from zero (0 failed), and goes back to 0', async () => {
    const build = platform.cli(['build', 'price']);
    expect(build.code, build.stderr).toBe(0);
    const deploy = await platform.cliAsync(['deploy', 'price', 'latest', 'cluster', '--detach']);
    expect(deploy.code, deploy.stderr).toBe(0);

    // The first release starts with one instance, then idles to zero after idleAfter.
    await scaledToZero();
    const deployment = await cluster.client.get<DeploymentObject>(kubeResources.Deployment, 'price-v1');
    const container = deployment?.spec.template.spec.containers[0];
    expect(container?.image).toMatch(/\/price@sha256:[0-9a-f]{64}$/);
    expect(container?.args).toEqual(['src/price.mjs', '--timeout-ms', '5000', '--concurrency', '20']);
    const status = platform.cli(['status', '--env', 'cluster']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^ {2}price: scaled to zero \(autoscale 0–2, /m);

    const routerUrl = await cluster.routerUrl();
    // The router answers (a path no route matches) before the first request is timed.
    await waitFor('the router to answer', async () => ((await fetch(`${routerUrl}/nothing-here`, { signal: AbortSignal.timeout(5000) }).catch(() => null))?.status === 404 ? true : null), 120_000);

    const startedAt = Date.now();
    const started = performance.now();
    const answer = await fetch(`${routerUrl}/price?item=tea`, { signal: AbortSignal.timeout(60_000) });
    const coldStartMs = performance.now() - started;
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { item: string; price: number; instance: string };
    expect(body).toMatchObject({ item: 'tea', price: 3 });
    expect(body.instance).toMatch(/^price-v1-/);
    console.log(`kubernetes function cold start (first request from zero, through the router): ${Math.round(coldStartMs)} ms; ${await coldStartSteps(body.instance, startedAt)}`);

    // Warm now: a few more requests, none failed.
    let failed = 0;
    for (let i = 0; i < 20; i += 1) if ((await fetch(`${routerUrl}/price?item=tea`, { signal: AbortSignal.timeout(10_000) })).status !== 200) failed += 1;
    expect(failed).toBe(0);

    await scaledToZero();
    const events = (await (await platform.fetch('/api/v1/events?type=autoscale.decision&limit=50')).json()) as Decision[];
    const made = events.map((event) => [event.data.from, event.data.to, event.data.reason]);
    expect(made).toEqual(expect.arrayContaining([[1, 0, 'idle'], [0, 1, 'wake']]));
    const after = platform.cli(['events', '--env', 'cluster']);
    expect(after.stdout).toContain('woken by a held request');
  }, 600_000);
});
