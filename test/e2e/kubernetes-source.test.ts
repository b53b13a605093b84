/**
 * A release that would run from its source directory, in a kubernetes environment: `skiff up
 * --env cluster` with a service never built. The apply builds it (the build `skiff build` does),
 * the release records the artifact's digest, its image is pushed and its pod comes up, and the
 * release is promotable like any deployed one. Against the fake API server (simulated pods) and a
 * real registry.
 *
 * Skipped, loudly, only when the Docker engine or docker-registry is missing outside CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineForTests } from '../../src/drivers/docker/testing/test-image.js';
import { kubeResources, type KubeObject } from '../../src/providers/kubernetes/client/index.js';
import { missingForRegistrySuite } from '../../src/providers/kubernetes/images/testing/local-registry.js';
import { startSimulatedCluster, type SimulatedCluster } from './kubernetes-cluster.js';
import { startPlatform, waitFor, type Platform } from './platform.js';

const missing = missingForRegistrySuite('the kubernetes from-source e2e tests', await engineForTests());
const namespace = 'skiff-source';

describe.runIf(missing.length === 0)('a kubernetes environment given a service that runs from source', () => {
  let cluster: SimulatedCluster;
  let platform: Platform;

  beforeAll(async () => {
    cluster = await startSimulatedCluster([namespace]);
    platform = await startPlatform({
      env: 'cluster',
      // Its first apply builds hello and starts the cluster environment (the router image built and pushed) before the API answers.
      startTimeoutMs: 170_000,
      spec: `name: kube
services:
  hello:
    path: svc
    start: [node, server.mjs]
    build: {}
environments:
  dev:
    services: { hello: { instances: 1 } }
  cluster:
    provider: kubernetes
    registry: ${cluster.registry}
    kubernetes: { kubeconfig: ${JSON.stringify(cluster.api.kubeconfigPath)}, namespace: ${namespace}, serviceType: NodePort }
    services: { hello: { instances: 1 } }
`,
      files: { 'svc/server.mjs': `import http from 'node:http';\nhttp.createServer((req, res) => res.end('hello from ' + process.env.SKIFF_INSTANCE_ID)).listen(Number(process.env.PORT), '127.0.0.1');\n` },
    });
  }, 180_000);

  afterAll(async () => {
    if (process.env.SKIFF_E2E_OUTPUT) console.log(platform?.output());
    await platform?.stop();
    await cluster?.stop();
  }, 120_000);

  it('is built at apply time: the release records the artifact, its image is pushed by digest and its pod is ready', async () => {
    await waitFor('a ready hello pod in cluster', async () => {
      const instances = (await platform.status('cluster')).instances.filter((instance) => instance.service === 'hello');
      return instances.length === 1 && instances[0]?.state === 'ready';
    }, 120_000);
    expect(platform.output()).toMatch(/built hello sha256:[0-9a-f]{64} from its source for cluster/);
    const releases = (await (await platform.fetch('/api/v1/environments/cluster/services/hello/releases')).json()) as { version: string; artifact: string | null }[];
    expect(releases).toHaveLength(1);
    const artifact = releases[0]!.artifact ?? '';
    expect(artifact).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The same artifact `skiff build` would list.
    expect((await platform.cliAsync(['artifacts', 'hello'])).stdout).toContain(artifact.slice(7, 19));
    const deployment = await cluster.client.get<KubeObject & { metadata: { annotations: Record<string, string> } }>(kubeResources.Deployment, 'hello-v1');
    expect(deployment?.metadata.annotations['skiff.dev/artifact']).toBe(artifact);
    const events = (await platform.cliAsync(['events', '--env', 'cluster', '-n', '200'])).stdout;
    expect(events).toContain("building hello from its source: cluster's provider runs built artifacts only");
    expect(events).toMatch(/image .*\/skiff\/hello@sha256:[0-9a-f]{64} \(pushed\)/);
  }, 180_000);

  it('is promotable like any deployed release: dev runs the same artifact', async () => {
    const promote = await platform.cliAsync(['promote', 'hello', 'cluster', 'dev']);
    expect(promote.code, promote.stderr).toBe(0);
    const [cluster] = (await (await platform.fetch('/api/v1/environments/cluster/services/hello/releases')).json()) as { artifact: string }[];
    const [dev] = (await (await platform.fetch('/api/v1/environments/dev/services/hello/releases')).json()) as { artifact: string }[];
    expect(dev?.artifact).toBe(cluster?.artifact);
    await waitFor('a ready hello instance in dev', async () => (await platform.status('dev')).instances.some((instance) => instance.service === 'hello' && instance.state === 'ready'), 60_000);
  }, 120_000);
});
