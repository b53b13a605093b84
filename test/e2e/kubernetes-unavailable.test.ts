/**
 * A kubernetes environment whose cluster cannot be used (unreachable, its namespace missing) does
 * not stop `skiff up`, a deploy to it, or the local environments of the same file: `skiff status`
 * and `skiff events` say what is wrong, and it is tried again until the cluster answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient, kubeResources, loadKubeconfig } from '../../src/providers/kubernetes/client/index.js';
import { startFakeKubeApi, type FakeKubeApi } from '../kube-api/start-fake-kube-api.js';
import { echoSpec, freePort, startPlatform, tempDir, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
let api: FakeKubeApi | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  await api?.stop();
  api = undefined;
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** `echoSpec` with a `cluster` environment on the kubernetes provider; nothing answers at `registry`. */
async function specWithCluster(kubeconfig: string): Promise<string> {
  const registry = `127.0.0.1:${await freePort()}/skiff`;
  return echoSpec({ instances: 1 }).replace(
    'environments:\n  dev: {}\n',
    `environments:\n  dev: {}\n  cluster:\n    provider: kubernetes\n    registry: ${registry}\n    kubernetes: { kubeconfig: ${JSON.stringify(kubeconfig)}, namespace: skiff-cluster }\n`,
  );
}

type Unavailable = { code: string; message: string; hint: string | null } | null | undefined;
const unavailable = async (platform: Platform): Promise<Unavailable> => ((await platform.status('cluster')) as { unavailable?: Unavailable }).unavailable;

describe('a kubernetes environment whose cluster cannot be used', () => {
  it('an unreachable API server: the deploy is recorded, status and events name the server, dev keeps running', async () => {
    const dir = tempDir('skiff-kubeconfig-');
    dirs.push(dir);
    const port = await freePort();
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\ncurrent-context: gone\ncontexts: [{ name: gone, context: { cluster: gone, user: gone } }]\nclusters: [{ name: gone, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]\nusers: [{ name: gone, user: { token: t } }]\n`,
    );
    platform = await startPlatform({ spec: await specWithCluster(kubeconfig) });
    await waitForReady(platform, { echo: 1 });
    expect(platform.cli(['build', 'echo']).code).toBe(0);
    const deploy = platform.cli(['deploy', 'echo', 'latest', 'cluster', '--detach']);
    expect(deploy.code, deploy.stderr).toBe(0);

    const reason = await waitFor('the cluster reported unavailable', () => unavailable(platform!));
    expect(reason?.code).toBe('SKIFF_KUBE_UNREACHABLE');
    expect(reason?.message).toContain(`127.0.0.1:${port}`);
    const status = platform.cli(['status', '--env', 'cluster']);
    expect(status.stdout).toMatch(new RegExp(`unavailable since .*127\\.0\\.0\\.1:${port}.*\\[SKIFF_KUBE_UNREACHABLE\\] \\(tried again meanwhile\\)`));
    expect(platform.cli(['events', '--env', 'cluster']).stdout).toContain('environment cluster cannot run on its provider');
    expect(platform.cli(['releases', 'echo', 'cluster']).stdout).toContain('v1');
    // The local environment of the same file is untouched.
    expect((await fetch(`${platform.routerUrl}/echo/`)).status).toBe(200);
    expect(platform.process.exitCode).toBeNull();
  }, 120_000);

  it('a namespace that does not exist: status says which and how to create it; once it exists the start is tried again and gets past it', async () => {
    api = await startFakeKubeApi({ docker: false });
    platform = await startPlatform({ spec: await specWithCluster(api.kubeconfigPath) });
    await waitForReady(platform, { echo: 1 });
    expect(platform.cli(['build', 'echo']).code).toBe(0);
    // Not `cli`: its spawnSync would block this process, where the fake API server answers.
    expect((await platform.cliAsync(['deploy', 'echo', 'latest', 'cluster', '--detach'])).code).toBe(0);

    const reason = await waitFor('the namespace reported missing', () => unavailable(platform!));
    expect(reason).toMatchObject({ code: 'SKIFF_KUBE_NAMESPACE_MISSING' });
    expect(reason?.message).toContain('namespace "skiff-cluster" does not exist');
    expect(reason?.hint).toContain('kubectl create namespace skiff-cluster');

    const client = new KubeClient(loadKubeconfig({ kubeconfig: api.kubeconfigPath }, { homeDir: '/nonexistent' }));
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'skiff-cluster' } });
    // Tried again (with back-off): past the namespace, the start stops at the registry, where the router
    // image is pushed before anything is written (nothing answers there).
    const next = await waitFor(
      'the start tried again, past the namespace',
      async () => {
        const reason = await unavailable(platform!);
        return reason && reason.code !== 'SKIFF_KUBE_NAMESPACE_MISSING' ? reason : null;
      },
      60_000,
    );
    expect(next.code).toBe('SKIFF_REGISTRY_UNREACHABLE');
    expect((await client.list(kubeResources.ConfigMap, { namespace: 'skiff-cluster' })).items).toEqual([]);
  }, 120_000);
});
