/**
 * `skiff logs` on Kubernetes: a pod's log is followed into the file the log collector reads, and
 * connections that break mid-stream, or a control plane that stops and comes back, neither double
 * nor lose a line. Against the fake API server in docker mode (the pod is a real container), through
 * a proxy that drops the open connections; skipped, loudly, only when no Docker engine is
 * reachable outside CI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKubeApi, type FakeKubeApi } from '../../../../test/kube-api/start-fake-kube-api.js';
import { waitFor } from '../../../../test/e2e/platform.js';
import { systemClock } from '../../../core/clock.js';
import { ensureBaseImage } from '../../../drivers/docker/base-image.js';
import { engineForTests } from '../../../drivers/docker/testing/test-image.js';
import { kubeResources, type KubeClient } from '../client/index.js';
import { startCuttingProxy, type CuttingProxy } from '../client/testing/cutting-proxy.js';
import { clientOfFake, clientOfFakeAt } from '../client/testing/kubeconfig-files.js';
import type { Pod } from '../provider/pod-instance.js';
import { PodLogFollowers } from './pod-log-followers.js';

const engine = await engineForTests();
if (!engine.reachable) {
  if (process.env.CI) throw new Error(`no Docker engine is reachable in CI: ${engine.reason}`);
  console.warn(`\n!!! SKIPPING the Kubernetes pod log followers test: no Docker engine is reachable (${engine.reason}).\n`);
}

const COUNT = 200;
/** Many lines a second, so every reconnect's sinceTime (whole seconds) sends lines again that must be skipped. */
const COUNTER = `let n = 0; const t = setInterval(() => { n += 1; console.log('line ' + n); if (n === ${COUNT}) clearInterval(t); }, 25); setInterval(() => {}, 1000);`;

describe.skipIf(!engine.reachable)('pod log followers', () => {
  let api: FakeKubeApi;
  let client: KubeClient;
  let proxy: CuttingProxy;
  let viaProxy: ReturnType<typeof clientOfFakeAt>;
  let dir: string;

  beforeAll(async () => {
    if (!engine.reachable) return;
    const image = (await ensureBaseImage(engine.docker)).tag;
    api = await startFakeKubeApi({ docker: true, backoffMs: 500 });
    client = clientOfFake(api);
    proxy = await startCuttingProxy(Number(new URL(api.url).port));
    viaProxy = clientOfFakeAt(api, `https://127.0.0.1:${proxy.port}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-pod-logs-'));
    await client.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'counter', labels: { 'app.kubernetes.io/name': 'web', 'skiff.dev/release': 'v1' } },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'web', image, command: ['node', '-e', COUNTER] }] },
    });
  }, 180_000);
  afterAll(async () => {
    viaProxy?.dispose();
    client?.close();
    await proxy?.close();
    await api?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const started = (): Promise<Pod> =>
    waitFor('the counter pod to run', async () => {
      const pod = await client.get<Pod>(kubeResources.Pod, 'counter');
      return pod?.status?.containerStatuses?.[0]?.state?.running ? pod : undefined;
    }, 60_000);
  const written = (): string[] => fs.readFileSync(path.join(dir, 'counter.log'), 'utf8').split('\n').filter((line) => line !== '');
  const atLeast = (count: number): Promise<boolean> => waitFor(`${count} lines in the pod's file`, () => fs.existsSync(path.join(dir, 'counter.log')) && written().length >= count, 60_000);

  it('every line once, in order, across dropped connections and a stop and restart of the follower; a deleted pod is listed a while, then its file goes', async () => {
    const pod = await started();
    const first = new PodLogFollowers({ client: viaProxy.client, environment: 'dev', dir, clock: systemClock, retryMs: 50 });
    first.sync([pod]);
    expect(first.sources()).toEqual([{ id: 'counter', environment: 'dev', service: 'web', release: 'v1', logPath: path.join(dir, 'counter.log') }]);
    for (const count of [20, 60]) {
      await atLeast(count);
      proxy.cutNow();
    }
    await atLeast(100);
    await first.stop();
    // The next control plane goes on from the cursor the first one left.
    const second = new PodLogFollowers({ client: viaProxy.client, environment: 'dev', dir, clock: systemClock, retryMs: 50, keepMs: 0 });
    second.sync([pod]);
    await atLeast(140);
    proxy.cutNow();
    await atLeast(COUNT);
    expect(proxy.cut()).toBeGreaterThanOrEqual(2);
    expect(written()).toEqual(Array.from({ length: COUNT }, (_, index) => `line ${index + 1}`));

    await client.delete(kubeResources.Pod, 'counter');
    second.sync([]);
    expect(second.sources().map((source) => source.id)).toEqual(['counter']);
    second.sync([]);
    expect(second.sources()).toEqual([]);
    await waitFor("the deleted pod's file removed", () => !fs.existsSync(path.join(dir, 'counter.log')));
  }, 120_000);
});
