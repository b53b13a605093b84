/**
 * A kubernetes environment whose registry asks for credentials (Debian's docker-registry with a
 * bcrypt htpasswd file), with the real `skiff up`: the password comes from the variable of `skiff
 * up` the spec names. A wrong one is the environment's error naming the registry, with nothing
 * pushed or written in the namespace; the right one pushes the router's and the release's images,
 * and the pods pull them with the image pull Secret `skiff-registry` Skiff applies (the fake's
 * kubelet pulls with the pod's pull Secret), and answer through the router. The password is never
 * printed. Runs against the fake API server only: a real cluster's registry is SKIFF_TEST_REGISTRY.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kubeResources, type KubeObject } from '../../src/providers/kubernetes/client/index.js';
import { clusterEnvironments, startTestCluster, testClusterMissing, type TestCluster } from './kubernetes-cluster.js';
import { startPlatform, waitFor, type Platform } from './platform.js';

const missing = [...(await testClusterMissing()), ...(process.env.SKIFF_TEST_KUBECONFIG ? ['the fake API server (SKIFF_TEST_KUBECONFIG is set)'] : [])];

const password = 'registry-pass-7f3a';
const wrongPassword = 'wrong-pass-91c2';

const server = `import http from 'node:http';
http.createServer((req, res) => res.end(req.url === '/health' ? 'ok' : 'shop answers')).listen(Number(process.env.PORT), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

function spec(cluster: TestCluster): string {
  return `name: kube-registry-auth
services:
  shop:
    path: svc
    start: [node, server.mjs]
    build: {}
    readiness: { http: /health, interval: 500ms, failureThreshold: 2 }
    routes: [{ path: /shop, stripPrefix: true }]
${clusterEnvironments(cluster, 'shop', 1, ', registryCredentials: { username: deployer, passwordEnv: SKIFF_REGISTRY_PASSWORD }')}`;
}

type Unavailable = { code: string; message: string } | null | undefined;
type PodTemplate = KubeObject & { spec: { template: { spec: { imagePullSecrets?: { name: string }[] } } } };

describe.runIf(missing.length === 0)('a kubernetes environment whose registry asks for credentials', () => {
  let cluster: TestCluster;
  let platform: Platform | undefined;

  beforeAll(async () => {
    cluster = await startTestCluster('skiff-registry-auth', { requireAuth: true, users: { deployer: password } });
  }, 120_000);
  afterEach(async () => {
    await platform?.stop();
    platform = undefined;
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 180_000);

  const registryHost = (): string => cluster.registry.split('/')[0] as string;

  it('a wrong password: the environment is unavailable with the registry named, nothing is pushed or written, the password is not printed', async () => {
    platform = await startPlatform({ spec: spec(cluster), files: { 'svc/server.mjs': server }, upEnv: { SKIFF_REGISTRY_PASSWORD: wrongPassword } });
    expect(platform.cli(['build', 'shop']).code).toBe(0);
    const deploy = await platform.cliAsync(['deploy', 'shop', 'latest', 'cluster', '--detach']);
    expect(deploy.code, deploy.stderr).toBe(0);
    const p = platform;
    const reason = await waitFor('the environment unavailable', async () => ((await p.status('cluster')) as { unavailable?: Unavailable }).unavailable, 120_000);
    expect(reason).toMatchObject({ code: 'SKIFF_REGISTRY_UNAUTHORIZED', message: `the image registry ${registryHost()} refused the credentials of user "deployer" (HTTP 401)` });
    const status = await platform.cliAsync(['status', '--env', 'cluster']);
    expect(status.stdout).toContain('[SKIFF_REGISTRY_UNAUTHORIZED]');
    for (const [kind, name] of [[kubeResources.ConfigMap, 'skiff-router-routes'], [kubeResources.Secret, 'skiff-registry'], [kubeResources.Service, 'skiff-router'], [kubeResources.Deployment, 'skiff-router']] as const) {
      expect(await cluster.client.get(kind, name), `${kind.kind} ${name}`).toBeUndefined();
    }
    const pushed = await fetch(`http://${registryHost()}/v2/_catalog`, { headers: { authorization: `Basic ${Buffer.from(`deployer:${password}`).toString('base64')}` } });
    expect(await pushed.json()).toEqual({ repositories: [] });
    expect(platform.output()).not.toContain(wrongPassword);
  }, 300_000);

  it("the right password: the images are pushed with it, the pods pull them with the pull Secret skiff-registry, and the release answers through the router", async () => {
    platform = await startPlatform({ spec: spec(cluster), files: { 'svc/server.mjs': server }, upEnv: { SKIFF_REGISTRY_PASSWORD: password } });
    expect(platform.cli(['build', 'shop']).code).toBe(0);
    const deploy = await platform.cliAsync(['deploy', 'shop', 'latest', 'cluster', '--detach']);
    expect(deploy.code, deploy.stderr).toBe(0);
    const p = platform;
    await waitFor('a ready shop pod', async () => (await p.status('cluster')).instances.some((instance) => instance.service === 'shop' && instance.state === 'ready') || null, 300_000);

    const secret = await cluster.client.get<KubeObject & { type: string; data: Record<string, string> }>(kubeResources.Secret, 'skiff-registry');
    expect(secret?.type).toBe('kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(secret?.data['.dockerconfigjson'] ?? '', 'base64').toString('utf8')) as { auths: Record<string, { username: string }> };
    expect(Object.keys(config.auths)).toEqual([registryHost()]);
    expect(config.auths[registryHost()]?.username).toBe('deployer');
    for (const name of ['shop-v1', 'skiff-router']) {
      const deployment = await cluster.client.get<PodTemplate>(kubeResources.Deployment, name);
      expect(deployment?.spec.template.spec.imagePullSecrets, name).toEqual([{ name: 'skiff-registry' }]);
    }
    const routerUrl = await cluster.routerUrl();
    await waitFor('shop through the router', async () => (await fetch(`${routerUrl}/shop/`).then((answer) => answer.text()).catch(() => '')) === 'shop answers' || null, 240_000);
    expect(platform.output()).not.toContain(password);

    // Skiff's stop deletes what it made in the namespace, the pull Secret with it.
    await platform.stop();
    platform = undefined;
    expect(await cluster.client.get(kubeResources.Secret, 'skiff-registry')).toBeUndefined();
  }, 600_000);
});
