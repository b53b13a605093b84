/**
 * A running `skiff up` takes a changed `kubernetes:` of an environment from `skiff apply`, without
 * a restart: a new Service type in place (the pods stay), a context the kubeconfig does not have
 * refused with its path (the environment runs on), another namespace started there (the services
 * come up in it; the old namespace's objects are left as they are). Against the fake API server
 * (simulated pods) and a real registry (the images are really built and pushed).
 *
 * Skipped, loudly, only when the Docker engine or docker-registry is missing outside CI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineForTests } from '../../src/drivers/docker/testing/test-image.js';
import { kubeResources, type KubeObject } from '../../src/providers/kubernetes/client/index.js';
import { missingForRegistrySuite } from '../../src/providers/kubernetes/images/testing/local-registry.js';
import { startSimulatedCluster, type SimulatedCluster } from './kubernetes-cluster.js';
import { startPlatform, waitFor, type InstanceJson, type Platform } from './platform.js';

const missing = missingForRegistrySuite('the kubernetes settings e2e tests', await engineForTests());

const first = 'skiff-first';
const moved = 'skiff-moved';
const server = `import http from 'node:http';
http.createServer((req, res) => res.end('hello')).listen(Number(process.env.PORT), '0.0.0.0');
`;

function spec(options: { registry: string; kubeconfig: string; kubernetes: string }): string {
  return `name: kube
services:
  hello:
    path: svc
    start: [node, server.mjs]
    build: {}
environments:
  dev:
    services: { hello: { instances: 0 } }
  cluster:
    provider: kubernetes
    registry: ${options.registry}
    kubernetes: { kubeconfig: ${JSON.stringify(options.kubeconfig)}, ${options.kubernetes} }
    services: { hello: { instances: 1 } }
`;
}

type RouterService = KubeObject & { readonly spec: { readonly type: string } };

describe.runIf(missing.length === 0)('kubernetes settings changed by skiff apply, without restarting skiff up', () => {
  let cluster: SimulatedCluster;
  let platform: Platform;
  const specWith = (kubernetes: string): string => spec({ registry: cluster.registry, kubeconfig: cluster.api.kubeconfigPath, kubernetes });
  const write = (kubernetes: string): void => fs.writeFileSync(path.join(platform.specDir, 'skiff.yaml'), specWith(kubernetes));
  const helloPods = async (): Promise<InstanceJson[]> => (await platform.status('cluster')).instances.filter((instance) => instance.service === 'hello');

  beforeAll(async () => {
    cluster = await startSimulatedCluster([first, moved]);
    platform = await startPlatform({
      spec: specWith(`namespace: ${first}, serviceType: NodePort`),
      files: { 'svc/server.mjs': server },
    });
    expect(platform.cli(['build', 'hello']).code).toBe(0);
    const deploy = await platform.cliAsync(['deploy', 'hello', 'latest', 'cluster', '--detach']);
    expect(deploy.code, deploy.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    if (process.env.SKIFF_E2E_OUTPUT) console.log(platform?.output());
    await platform?.stop();
    await cluster?.stop();
  }, 120_000);

  it('a new serviceType is applied in place: the router Service changes, the hello pod stays', async () => {
    const [pod] = await waitFor('a ready hello pod', async () => {
      const pods = await helloPods();
      return pods.length === 1 && pods[0]?.state === 'ready' ? pods : null;
    }, 240_000);
    expect((await cluster.client.get<RouterService>(kubeResources.Service, 'skiff-router'))?.spec.type).toBe('NodePort');

    write(`namespace: ${first}, serviceType: LoadBalancer`);
    const apply = await platform.cliAsync(['apply', 'skiff.yaml']);
    expect(apply.code, apply.stderr).toBe(0);
    await waitFor('the router Service of type LoadBalancer', async () => (await cluster.client.get<RouterService>(kubeResources.Service, 'skiff-router'))?.spec.type === 'LoadBalancer', 60_000);
    expect((await helloPods()).map((instance) => instance.id)).toEqual([pod!.id]);
    expect((await platform.cliAsync(['events', '--env', 'cluster', '-n', '200'])).stdout).toContain(`serviceType applied in namespace ${first}`);
  }, 300_000);

  it('a context the kubeconfig does not have is refused by plan and apply, at its path; the environment runs on', async () => {
    write(`namespace: ${first}, serviceType: LoadBalancer, context: nope`);
    for (const command of ['plan', 'apply']) {
      const refused = await platform.cliAsync([command, 'skiff.yaml']);
      expect(refused.code, command).not.toBe(0);
      expect(refused.stderr).toContain('environments.cluster.kubernetes.context');
      expect(refused.stderr).toContain('has no context "nope"');
      expect(refused.stderr).toContain('SKIFF_KUBECONFIG_INVALID');
    }
    expect((await helloPods()).map((instance) => instance.state)).toEqual(['ready']);
  }, 120_000);

  it('another namespace: the services come up there, the old namespace keeps its objects as they were', async () => {
    const [before] = await helloPods();
    write(`namespace: ${moved}, serviceType: LoadBalancer`);
    const apply = await platform.cliAsync(['apply', 'skiff.yaml']);
    expect(apply.code, apply.stderr).toBe(0);
    const [pod] = await waitFor('a ready hello pod in the new namespace', async () => {
      const pods = await helloPods();
      return pods.length === 1 && pods[0]?.state === 'ready' && pods[0].id !== before!.id ? pods : null;
    }, 120_000);
    const inMoved = await cluster.client.list(kubeResources.Pod, { namespace: moved, labelSelector: 'app.kubernetes.io/name=hello' });
    expect(inMoved.items.map((item) => item.metadata.name)).toEqual([pod!.id]);
    expect(await cluster.client.get(kubeResources.Service, 'skiff-router', { namespace: moved })).toBeTruthy();
    // Left as they were: the old Deployment and pod, and the routing table.
    expect(await cluster.client.get(kubeResources.Deployment, 'hello-v1', { namespace: first })).toBeTruthy();
    expect((await cluster.client.list(kubeResources.Pod, { namespace: first, labelSelector: 'app.kubernetes.io/name=hello' })).items.map((item) => item.metadata.name)).toEqual([before!.id]);
    const events = (await platform.cliAsync(['events', '--env', 'cluster', '-n', '200'])).stdout;
    expect(events).toContain(`namespace changed: Skiff's objects in namespace ${first} are left as they are; starting it on the new settings`);
  }, 180_000);
});
