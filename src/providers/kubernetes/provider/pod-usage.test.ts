/**
 * PodUsage against the fake API server's metrics.k8s.io: the rate metrics-server reports becomes
 * the cumulative CPU seconds top divides by time; without metrics-server it says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ensureBaseImage } from '../../../drivers/docker/base-image.js';
import { connectEngine } from '../../../drivers/docker/engine.js';
import { startFakeKubeApi, type FakeKubeApi } from '../../../../test/kube-api/start-fake-kube-api.js';
import { waitFor } from '../../../../test/e2e/platform.js';
import { KubeClient, kubeResources, loadKubeconfig, type KubeObject } from '../client/index.js';
import { METRICS_API_MISSING, PodUsage } from './pod-usage.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(options: Parameters<typeof startFakeKubeApi>[0]): Promise<{ api: FakeKubeApi; client: KubeClient }> {
  const api = await startFakeKubeApi(options);
  cleanups.push(() => api.stop());
  const client = new KubeClient(loadKubeconfig({ kubeconfig: api.kubeconfigPath }, { homeDir: '/nonexistent' }));
  cleanups.push(() => client.close());
  return { api, client };
}

const pod = (name: string, image: string, script: string): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, command: ['node', '-e', script] }] } }) as KubeObject;

/** A clock the test moves: the CPU seconds between two reads are the rate read times the time between them. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let now = 1_000_000;
  return { now: () => now, advance: (ms) => (now += ms) };
}

describe('PodUsage', () => {
  it('reads a CPU-burning pod as using more CPU than an idle one (docker mode, docker stats)', async () => {
    const image = (await ensureBaseImage(connectEngine({}))).tag;
    const { client } = await cluster({ docker: true });
    await client.create(pod('busy', image, 'for (;;) {}'));
    await client.create(pod('idle', image, 'setInterval(() => {}, 60_000)'));
    const clock = manualClock();
    const usage = new PodUsage({ client, clock });
    // The first read of each pod starts its counter; it needs the container running and measured once.
    await waitFor('both pods measured', async () => (await usage.usage('busy')) !== null && (await usage.usage('idle')) !== null, 60_000);
    clock.advance(10_000);
    const busy = await usage.usage('busy');
    const idle = await usage.usage('idle');
    const busyCores = (busy?.cpuSeconds ?? 0) / 10;
    const idleCores = (idle?.cpuSeconds ?? 0) / 10;
    expect(busyCores).toBeGreaterThan(0.05);
    expect(busyCores).toBeGreaterThan(idleCores);
    expect(busy?.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(idle?.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(usage.unavailable()).toBeNull();
  }, 180_000);

  it('integrates the reported rate over the time between reads (simulated pods: 1m, 16Mi)', async () => {
    const { client } = await cluster({});
    await client.create(pod('web', 'example.test/web:1', ''));
    const clock = manualClock();
    const usage = new PodUsage({ client, clock });
    expect(await waitFor('web measured', () => usage.usage('web'))).toEqual({ cpuSeconds: 0, rssBytes: 16 * 1024 * 1024 });
    clock.advance(10_000);
    expect((await usage.usage('web'))?.cpuSeconds).toBeCloseTo(0.01, 9);
    expect(await usage.usage('no-such-pod')).toBeNull();
    expect(usage.unavailable()).toBeNull();
  });

  it('says metrics-server is not installed when the cluster has no metrics.k8s.io', async () => {
    const { client } = await cluster({ metricsApi: false });
    await client.create(pod('web', 'example.test/web:1', ''));
    await waitFor('web running', async () => (await client.get<KubeObject & { status?: { phase?: string } }>(kubeResources.Pod, 'web'))?.status?.phase === 'Running');
    const usage = new PodUsage({ client, clock: manualClock() });
    expect(await usage.usage('web')).toBeNull();
    expect(usage.unavailable()).toBe(METRICS_API_MISSING);
    expect(METRICS_API_MISSING).toBe('metrics-server is not installed in the cluster (metrics.k8s.io); install it to see usage');
  });
});
