/**
 * `provider: kubernetes` end to end: `skiff up` with a cluster environment pointed at the fake
 * Kubernetes API server in docker mode (pods run as real containers, each published on its own
 * 127.X.Y.Z address, reported as the pod IP) and a real registry (Debian's docker-registry on
 * 127.0.0.1). A built process service is deployed there: its image is pushed and referenced by
 * digest, its pods are ready in `skiff status` with their node and address and answer there, it
 * scales 2 → 1, `skiff top` shows its usage (metrics.k8s.io), and a crash-looping release and a refused push each give their reason; `skiff logs`
 * and `skiff logs -f` show the pods' output tagged by pod, a new pod's as it starts. The test
 * talks to the pods directly (kubernetes-rollouts.test.ts goes through Skiff's router). Commands that
 * reach the cluster run with `cliAsync`: `cli`'s spawnSync would block this process, where the
 * fake API server answers.
 *
 * Skipped, loudly, only when the Docker engine or docker-registry is missing outside CI.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, probeEngine } from '../../src/drivers/docker/engine.js';
import { KubeClient, kubeResources, loadKubeconfig, type KubeObject } from '../../src/providers/kubernetes/client/index.js';
import { registryInstalled, REGISTRY_BINARY, removeImagesOf, startLocalRegistry, type LocalRegistry } from '../../src/providers/kubernetes/images/testing/local-registry.js';
import { startFakeKubeApi, type FakeKubeApi } from '../kube-api/start-fake-kube-api.js';
import { skiffBin, startPlatform, waitFor, type InstanceJson, type Platform } from './platform.js';

const engine = await probeEngine(connectEngine({}), 3000);
const missing = [
  ...(registryInstalled() ? [] : [`${REGISTRY_BINARY} (apt-get install docker-registry)`]),
  ...(engine.reachable ? [] : [`a Docker engine (${engine.reason})`]),
];
if (missing.length > 0) {
  if (process.env.CI) throw new Error(`the kubernetes e2e tests need ${missing.join(' and ')} in CI`);
  console.warn(`\n*** SKIPPING the kubernetes e2e tests: missing ${missing.join(' and ')} ***\n`);
}

const server = `import http from 'node:http';
if (process.env.CRASH === '1') { console.error('refusing to start: CRASH=1'); process.exit(3); }
console.log('listening as ' + process.env.SKIFF_INSTANCE_ID);
http.createServer((req, res) => {
  if (req.url !== '/health') console.log('served ' + req.url);
  res.writeHead(req.url === '/health' ? 200 : 200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ instance: process.env.SKIFF_INSTANCE_ID, greeting: process.env.GREETING }));
}).listen(Number(process.env.PORT), '0.0.0.0');
`;

const namespace = 'skiff-cluster';
const refusedNamespace = 'skiff-readonly';

function spec(options: { registry: string; readOnlyRegistry: string; kubeconfig: string }): string {
  const service = (name: string, env: string): string => `  ${name}:
    path: svc
    start: [node, server.mjs]
    build: {}
    env: { ${env} }
    readiness: { http: /health, interval: 500ms }
`;
  return `name: kube
services:
${service('hello', 'GREETING: hello')}${service('broken', 'CRASH: "1"')}environments:
  dev:
    services: { hello: { instances: 0 }, broken: { instances: 0 } }
  cluster:
    provider: kubernetes
    registry: ${options.registry}
    kubernetes: { kubeconfig: ${JSON.stringify(options.kubeconfig)}, namespace: ${namespace}, serviceType: NodePort }
    services: { hello: { instances: 2 }, broken: { instances: 1 } }
  readonly:
    provider: kubernetes
    registry: ${options.readOnlyRegistry}
    kubernetes: { kubeconfig: ${JSON.stringify(options.kubeconfig)}, namespace: ${refusedNamespace}, serviceType: NodePort }
    services: { hello: { instances: 1 } }
`;
}

type Instance = InstanceJson & { readonly node?: string | null; readonly address: string | null; readonly reason: string | null };

describe.runIf(missing.length === 0)('provider: kubernetes (fake API server in docker mode, real registry)', () => {
  let registry: LocalRegistry;
  let readOnly: LocalRegistry;
  let api: FakeKubeApi;
  let platform: Platform;
  let client: KubeClient;

  beforeAll(async () => {
    registry = await startLocalRegistry();
    readOnly = await startLocalRegistry({ readOnly: true });
    api = await startFakeKubeApi({ docker: true, namespaces: [namespace, refusedNamespace], backoffMs: 500 });
    client = new KubeClient(loadKubeconfig({ kubeconfig: api.kubeconfigPath }, { homeDir: '/nonexistent' }), { namespace });
    platform = await startPlatform({
      spec: spec({ registry: `${registry.host}/skiff`, readOnlyRegistry: `${readOnly.host}/skiff`, kubeconfig: api.kubeconfigPath }),
      files: { 'svc/server.mjs': server },
    });
  }, 120_000);

  afterAll(async () => {
    if (process.env.SKIFF_E2E_OUTPUT) console.log(platform?.output());
    // The control plane first: stopping it deletes what it made in the namespaces while the fake still answers.
    await platform?.stop();
    await api?.stop();
    await registry?.stop();
    await readOnly?.stop();
    if (engine.reachable) await removeImagesOf(connectEngine({}), [registry?.host, readOnly?.host].filter((host): host is string => host !== undefined));
  }, 120_000);

  const clusterInstances = async (service: string): Promise<Instance[]> => ((await platform.status('cluster')).instances as Instance[]).filter((instance) => instance.service === service);

  it('a built process service runs as pods: its image pushed and referenced by digest, ready in status with node and pod IP, answering there, scaled 2 → 1', async () => {
    const build = platform.cli(['build', 'hello']);
    expect(build.code, build.stderr).toBe(0);
    const deploy = await platform.cliAsync(['deploy', 'hello', 'latest', 'cluster', '--detach']);
    expect(deploy.code, deploy.stderr).toBe(0);

    const ready = await waitFor(
      'two ready hello pods in cluster',
      async () => {
        const instances = await clusterInstances('hello');
        return instances.length === 2 && instances.every((instance) => instance.state === 'ready') ? instances : null;
      },
      180_000,
    );
    for (const instance of ready) {
      expect(instance.node).toBe('skiff-fake-node');
      expect(instance.address).toMatch(/^127\.\d+\.\d+\.\d+:8080$/);
      // Straight to the pod (the routing through Skiff's router is kubernetes-rollouts.test.ts's).
      const answer = (await (await fetch(`http://${instance.address}/`)).json()) as { instance: string; greeting: string };
      expect(answer).toEqual({ instance: instance.id, greeting: 'hello' });
    }
    const text = platform.cli(['status', '--env', 'cluster']);
    expect(text.stdout).toMatch(/INSTANCE\s+SERVICE\s+RELEASE\s+STATE\s+NODE\s+ADDRESS/);
    for (const instance of ready) expect(text.stdout).toContain(instance.address);

    // The Deployment names the image by the digest the registry gave, and the pods run that digest.
    const deployment = await client.get<KubeObject & { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }>(kubeResources.Deployment, 'hello-v1');
    const image = deployment?.spec.template.spec.containers[0]?.image ?? '';
    expect(image).toMatch(new RegExp(`^${registry.host.replace(/\./g, '\\.')}/skiff/hello@sha256:[0-9a-f]{64}$`));
    const digest = image.slice(image.indexOf('@') + 1);
    const manifest = await fetch(`http://${registry.host}/v2/skiff/hello/manifests/${digest}`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } });
    expect(manifest.status).toBe(200);
    const pods = await client.list<KubeObject & { status?: { containerStatuses?: { imageID: string }[] } }>(kubeResources.Pod, { labelSelector: 'app.kubernetes.io/name=hello' });
    for (const pod of pods.items) expect(pod.status?.containerStatuses?.[0]?.imageID).toMatch(new RegExp(`@${digest}$`));
    expect(platform.cli(['events', '--env', 'cluster', '-n', '500']).stdout).toContain(`image ${image} (pushed)`);

    const scale = await platform.cliAsync(['scale', 'hello=1', '--env', 'cluster']);
    expect(scale.code, scale.stderr).toBe(0);
    const [kept] = await waitFor(
      'one hello pod left',
      async () => {
        const instances = await clusterInstances('hello');
        return instances.length === 1 && instances[0]?.state === 'ready' ? instances : null;
      },
      120_000,
    );
    expect(ready.map((instance) => instance.id)).toContain(kept!.id);
    expect((await client.getScale(kubeResources.Deployment, 'hello-v1')).spec.replicas).toBe(1);
  }, 400_000);

  it("skiff top --env shows the hello pod's CPU and memory, from the cluster's metrics.k8s.io", async () => {
    let last = '';
    await waitFor('a top row for hello with CPU and memory', async () => {
      const top = await platform.cliAsync(['top', '--env', 'cluster', '--once']);
      last = top.stdout + top.stderr;
      return /^hello\s+.*\s1\/1\s+\d+\.\d%\s+\d+(\.\d)? [KM]iB$/m.test(top.stdout);
    }, 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}; last output:\n${last}`);
    });
  }, 120_000);

  it('a release whose container keeps exiting is shown crashed with CrashLoopBackOff and its exit', async () => {
    const build = platform.cli(['build', 'broken']);
    expect(build.code, build.stderr).toBe(0);
    expect((await platform.cliAsync(['deploy', 'broken', 'latest', 'cluster', '--detach'])).code).toBe(0);
    const crashed = await waitFor(
      'the broken pod in CrashLoopBackOff',
      async () => (await clusterInstances('broken')).find((instance) => instance.state === 'crashed' && instance.reason?.startsWith('CrashLoopBackOff')),
      180_000,
    );
    expect(crashed.reason).toContain('last exit: Error (exit code 3)');
    expect(crashed.address).toBeNull();
    const text = platform.cli(['status', '--env', 'cluster']);
    expect(text.stdout).toContain(`${crashed.id}: CrashLoopBackOff`);
  }, 300_000);

  it('a registry that refuses pushes leaves the environment unavailable with SKIFF_IMAGE_PUSH_FAILED (the router image is pushed first), and nothing is applied', async () => {
    expect(platform.cli(['build', 'hello']).code).toBe(0);
    const deploy = await platform.cliAsync(['deploy', 'hello', 'latest', 'readonly', '--detach']);
    expect(deploy.code, deploy.stderr).toBe(0);
    const reason = await waitFor(
      'the refused push as the environment\'s reason',
      async () => ((await platform.status('readonly')) as { unavailable?: { code: string; message: string } | null }).unavailable,
      120_000,
    );
    expect(reason.code).toBe('SKIFF_IMAGE_PUSH_FAILED');
    expect(platform.cli(['status', '--env', 'readonly']).stdout).toMatch(/unavailable since .*405.*\[SKIFF_IMAGE_PUSH_FAILED\]/);
    for (const type of [kubeResources.Deployment, kubeResources.Service, kubeResources.ConfigMap]) {
      expect((await client.list(type, { namespace: refusedNamespace })).items).toEqual([]);
    }
    // The cluster environment is untouched by the other one's failure.
    expect((await clusterInstances('hello')).map((instance) => instance.state)).toEqual(['ready']);
  }, 200_000);

  it("skiff logs shows the pods' lines tagged by pod (a crash-looping one's too); logs -f follows a new pod as it starts and each line as it is written", async () => {
    const [first] = await clusterInstances('hello');
    const follow = spawn(process.execPath, [skiffBin, 'logs', 'hello', '--env', 'cluster', '-f'], { env: { ...process.env, SKIFF_API: platform.apiUrl, SKIFF_DATA: platform.dataDir } });
    let followed = '';
    follow.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    let pods: Instance[];
    try {
      const scale = await platform.cliAsync(['scale', 'hello=2', '--env', 'cluster']);
      expect(scale.code, scale.stderr).toBe(0);
      pods = await waitFor('two ready hello pods', async () => {
        const instances = await clusterInstances('hello');
        return instances.length === 2 && instances.every((instance) => instance.state === 'ready') ? instances : null;
      }, 180_000);
      const added = pods.find((pod) => pod.id !== first!.id)!;
      await waitFor('the new pod\'s first line while following', () => followed.includes(`${added.id} | listening as ${added.id}`), 60_000);
      for (const pod of pods) expect((await fetch(`http://${pod.address}/followed-${pod.id}`)).status).toBe(200);
      await waitFor('a line from each pod as it is written', () => pods.every((pod) => followed.includes(`${pod.id} | served /followed-${pod.id}`)), 60_000);
    } finally {
      follow.kill('SIGINT');
    }
    const logs = await platform.cliAsync(['logs', 'hello', '--env', 'cluster', '-n', '1000']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain(`${first!.id} | listening as ${first!.id}`);
    for (const pod of pods) expect(logs.stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ${pod.id} \\| served /followed-${pod.id}$`, 'm'));
    // Each line once, though the pods' logs were followed across the control plane's reads.
    expect(logs.stdout.split(`| served /followed-${first!.id}`).length).toBe(2);
    const [broken] = await clusterInstances('broken');
    await waitFor('the crash-looping pod\'s output in skiff logs', async () => (await platform.cliAsync(['logs', 'broken', '--env', 'cluster'])).stdout.includes(`${broken!.id} | refusing to start: CRASH=1`), 60_000);
  }, 400_000);
});
