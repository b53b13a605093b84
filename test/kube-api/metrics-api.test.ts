/**
 * metrics.k8s.io on the fake, read by the real kubectl 1.32 (`kubectl top pod` finds the API by
 * discovery, then lists PodMetrics), and its absence, as in a cluster without metrics-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../e2e/platform.js';
import { typeOfKind } from './resources.js';
import { startFakeKubeApi, type FakeKubeApi } from './start-fake-kube-api.js';
import { kubectlRunner } from './testing/kubectl.js';

const pod = `
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec:
  containers:
  - {name: web, image: example.test/web:1}
`;

async function runningPod(api: FakeKubeApi, kubectl: ReturnType<typeof kubectlRunner>): Promise<void> {
  expect((await kubectl.run(['apply', '-f', '-'], pod)).code).toBe(0);
  await waitFor('pod web-1 running', () => (api.store.list(typeOfKind('Pod'), 'default')[0]?.status as { phase?: string } | undefined)?.phase === 'Running', 10_000);
}

describe('metrics.k8s.io on the fake API server', () => {
  let api: FakeKubeApi;
  let kubectl: ReturnType<typeof kubectlRunner>;
  beforeAll(async () => {
    api = await startFakeKubeApi();
    kubectl = kubectlRunner(api);
    await runningPod(api, kubectl);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('kubectl top pod shows the running pods\' CPU and memory', async () => {
    const top = await kubectl.run(['top', 'pod', '-n', 'default']);
    expect(top.stderr).toBe('');
    expect(top.stdout).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nweb-1\s+1m\s+16Mi\s*\n$/);
    const selected = await kubectl.run(['top', 'pod', '-l', 'app=other']);
    expect(selected.stdout + selected.stderr).toMatch(/No resources found/);
  });
});

describe('a fake API server without metrics.k8s.io', () => {
  let api: FakeKubeApi;
  let kubectl: ReturnType<typeof kubectlRunner>;
  beforeAll(async () => {
    api = await startFakeKubeApi({ metricsApi: false });
    kubectl = kubectlRunner(api);
    await runningPod(api, kubectl);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('kubectl top pod says the Metrics API is not available, as against a cluster without metrics-server', async () => {
    const top = await kubectl.run(['top', 'pod', '-n', 'default']);
    expect(top.code).not.toBe(0);
    expect(top.stderr).toMatch(/Metrics API not available/);
  });
});
