/**
 * Rolling and blue-green rollouts on Kubernetes whose new pods crash-loop: each stops at its step
 * with the kubelet's reason and the container's message (the shared rollout code, as canary in
 * kubernetes-rollouts.test.ts), the stable release keeps answering through Skiff's router in the
 * cluster with 0 failed requests, and `skiff rollout abort` restores it.
 *
 * Where it runs: as kubernetes-rollouts.test.ts (kubernetes-cluster.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, testClusterMissing, type TestCluster } from './kubernetes-cluster.js';
import { startLoad, summary } from './load.js';
import { startPlatform, waitFor, type InstanceJson, type Platform } from './platform.js';

const missing = await testClusterMissing();

/** VERSION names the release in each answer; CRASH=1 says why and exits at once. */
const server = `import http from 'node:http';
if (process.env.CRASH === '1') { console.error('cannot start: CRASH=1'); process.exit(3); }
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ version: process.env.VERSION }));
}).listen(Number(process.env.PORT), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

const strategies = { rolls: '{ type: rolling }', blue: '{ type: blue-green, autoPromote: true }' } as const;
type Name = keyof typeof strategies;
const names = Object.keys(strategies) as Name[];

function spec(cluster: TestCluster, env: Record<string, string>): string {
  const service = (name: Name): string => `  ${name}:
    path: svc
    start: [node, server.mjs]
    build: {}
    env: ${JSON.stringify(env)}
    readiness: { http: /health, interval: 500ms, failureThreshold: 2 }
    stopGrace: 2s
    strategy: ${strategies[name]}
    routes: [{ path: /${name}, stripPrefix: true }]
`;
  return `name: kube-stuck
services:
${names.map(service).join('')}environments:
  dev:
    services: { rolls: { instances: 0 }, blue: { instances: 0 } }
  cluster:
    provider: kubernetes
    registry: ${cluster.registry}
    kubernetes: { kubeconfig: ${JSON.stringify(cluster.kubeconfigPath)}, namespace: ${cluster.namespace}, serviceType: NodePort }
    services: { rolls: { instances: 2 }, blue: { instances: 2 } }
`;
}

interface Rollout {
  readonly active: boolean;
  readonly phase: string;
  readonly result: string | null;
  readonly reason: string;
  readonly next: { readonly release: string };
}

describe.runIf(missing.length === 0)('rolling and blue-green rollouts on Kubernetes with crash-looping pods', () => {
  let cluster: TestCluster;
  let platform: Platform;

  beforeAll(async () => {
    cluster = await startTestCluster('skiff-stuck');
    platform = await startPlatform({ spec: spec(cluster, { VERSION: '1' }), files: { 'svc/server.mjs': server } });
  }, 120_000);

  afterAll(async () => {
    if (process.env.SKIFF_E2E_OUTPUT) console.log(platform?.output());
    await platform?.stop();
    await cluster?.stop();
  }, 180_000);

  const rollout = async (service: Name): Promise<Rollout | null> => {
    const answer = await platform.fetch(`/api/v1/environments/cluster/services/${service}/rollout`);
    return answer.status === 200 ? ((await answer.json()) as Rollout) : null;
  };
  const readyPods = (service: Name, release: string): Promise<InstanceJson[]> =>
    waitFor(`2 ready ${service} pods of ${release}`, async () => {
      const instances = (await platform.status('cluster')).instances.filter((instance) => instance.service === service);
      return instances.length === 2 && instances.every((instance) => instance.state === 'ready' && instance.release === release) ? instances : null;
    }, 300_000);

  it('each stops at its step with the reason and the container message; the stable release serves with 0 failed requests; abort restores it', async () => {
    expect(platform.cli(['build', 'rolls']).code).toBe(0);
    expect(platform.cli(['build', 'blue']).code).toBe(0);
    for (const name of names) expect((await platform.cliAsync(['deploy', name, 'latest', 'cluster', '--detach'])).code).toBe(0);
    for (const name of names) await readyPods(name, 'v1');
    const routerUrl = await cluster.routerUrl();
    await waitFor('both services through the router', async () => {
      const answers = await Promise.all(names.map((name) => fetch(`${routerUrl}/${name}/`, { signal: AbortSignal.timeout(5000) }).catch(() => null)));
      return answers.every((answer) => answer?.status === 200) || null;
    }, 240_000);

    const loads = names.map((name) => startLoad(`${routerUrl}/${name}/`, { maxMs: 300_000, maxRequests: 100_000, connections: 2 }));
    cluster.writeSpec(platform.specDir, spec(cluster, { VERSION: '2', CRASH: '1' }));
    const applied = platform.cli(['apply', 'skiff.yaml']);
    expect(applied.code, applied.stderr).toBe(0);
    for (const name of names) {
      const stopped = await waitFor(`the rollout of ${name} v2 stopped`, async () => {
        const current = await rollout(name);
        return current?.next.release === 'v2' && current.phase === 'paused' && current.reason.includes('cannot become ready') ? current : null;
      }, 300_000);
      expect(stopped.reason).toMatch(new RegExp(`stopped: ${name}-v2-\\S+ of v2 cannot become ready: CrashLoopBackOff: .*exit code 3.*\`skiff rollout abort\` goes back to v1$`));
      expect(platform.cli(['rollout', 'status', name, 'cluster']).stdout).toContain('cannot become ready: CrashLoopBackOff');
    }
    for (const name of names) {
      const abort = await platform.cliAsync(['rollout', 'abort', name, 'cluster']);
      expect(abort.code, abort.stderr).toBe(0);
    }
    for (const name of names) {
      const done = await waitFor(`the rollout of ${name} v2 to end`, async () => {
        const current = await rollout(name);
        return current && !current.active ? current : null;
      }, 300_000);
      expect(done.result).toBe('aborted');
      await readyPods(name, 'v1');
    }
    for (const [index, load] of loads.entries()) {
      const result = await load.stop();
      console.log(`${names[index]} stuck on Kubernetes, aborted, under load: ${summary(result)}`);
      expect(result.failed, summary(result)).toBe(0);
      expect(Object.keys(result.byVersion)).toEqual(['1']);
    }
  }, 900_000);
});
