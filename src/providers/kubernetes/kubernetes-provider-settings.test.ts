/**
 * A running kubernetes provider given new settings (`skiff apply` of a changed `kubernetes:` or
 * `registry:`), against the fake API server with simulated pods.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProviderContext } from '../../reconcile/provider.js';
import { desiredService } from '../../reconcile/testing/deployments.js';
import type { EnvironmentSpec } from '../../spec/schema.js';
import type { KubernetesSpec } from '../../spec/schema-kubernetes.js';
import { startFakeKubeApi, type FakeKubeApi } from '../../../test/kube-api/start-fake-kube-api.js';
import { kubeResources, type KubeObject } from './client/index.js';
import { KubernetesProvider, type PublishImage } from './kubernetes-provider.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const namespace = 'skiff-dev';
const web = desiredService('v1', 'hash-v1', { artifact: `sha256:${'ab'.repeat(32)}` });
const published: string[] = [];
const publishImage: PublishImage = async (release, registry) => {
  published.push(registry);
  return { reference: `${registry}/${release.name}@${release.artifact}`, digest: release.artifact ?? '', pushed: true };
};
const context: ProviderContext = {
  environment: 'dev',
  routerPort: 8080,
  hooks: { emit: () => undefined, instanceChanged: () => undefined, routesChanged: async () => undefined, drainTimeoutMs: () => 1000, dataPlaneRestarted: () => undefined },
};

async function started(): Promise<{ api: FakeKubeApi; provider: KubernetesProvider; settings: KubernetesSpec }> {
  const api = await startFakeKubeApi({ namespaces: [namespace] });
  cleanups.push(() => api.stop());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kube-settings-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const settings: KubernetesSpec = { serviceType: 'NodePort', kubeconfig: api.kubeconfigPath };
  const provider = new KubernetesProvider(context, {
    dataDir,
    publishImage,
    settings,
    registry: '127.0.0.1:5000/skiff',
    specDir: '/',
    kubeconfigDefaults: { homeDir: '/nonexistent' },
    clock: { now: () => Date.now() },
    secretEnv: async () => ({}),
    placeTimeoutMs: 15_000,
  });
  cleanups.push(() => provider.detach());
  await provider.start({ name: 'dev', services: [web] });
  return { api, provider, settings };
}

const environmentSpec = (kubernetes: KubernetesSpec, registry = '127.0.0.1:5000/skiff'): EnvironmentSpec =>
  ({ provider: 'kubernetes', kubernetes, registry, services: {} }) as EnvironmentSpec;

describe('KubernetesProvider given new settings', () => {
  it('takes a new Service type and registry in place: the router Service changes, the pods stay, the next release is pushed to the new registry', async () => {
    const { provider, settings } = await started();
    await provider.place(web);
    const pods = await vi.waitFor(() => {
      const instances = provider.observed().filter((instance) => instance.state === 'ready');
      expect(instances).toHaveLength(1);
      return instances.map((instance) => instance.id);
    }, { timeout: 15_000, interval: 20 });

    const change = await provider.reconfigure(environmentSpec({ ...settings, serviceType: 'LoadBalancer' }, '127.0.0.1:5001/skiff'));
    expect(change).toEqual({ kind: 'applied', detail: 'serviceType, registry applied in namespace skiff-dev' });
    const service = await provider.client.get<KubeObject & { spec: { type: string } }>(kubeResources.Service, 'skiff-router');
    expect(service?.spec.type).toBe('LoadBalancer');
    expect(provider.observed().map((instance) => instance.id)).toEqual(pods);

    published.length = 0;
    await provider.place(desiredService('v2', 'hash-v2', { artifact: `sha256:${'cd'.repeat(32)}` }));
    expect(published).toEqual(['127.0.0.1:5001/skiff']);
    expect(await provider.reconfigure(environmentSpec({ ...settings, serviceType: 'LoadBalancer' }, '127.0.0.1:5001/skiff'))).toEqual({ kind: 'unchanged' });
  });

  it('another namespace or context needs a new provider: it says so and changes nothing', async () => {
    const { provider, settings } = await started();
    const change = await provider.reconfigure(environmentSpec({ ...settings, namespace: 'shop' }));
    expect(change).toEqual({ kind: 'replace', detail: "namespace changed: Skiff's objects in namespace skiff-dev are left as they are" });
    expect(provider.namespace).toBe(namespace);
  });

  it('refuses a kubeconfig it cannot read or a context it does not have, at the field of the spec', async () => {
    const { provider, settings } = await started();
    expect(provider.checkSettings(environmentSpec({ ...settings, serviceType: 'LoadBalancer' }))).toEqual([]);
    const [context] = provider.checkSettings(environmentSpec({ ...settings, context: 'nope' }));
    expect(context).toMatchObject({ code: 'SKIFF_KUBECONFIG_INVALID', path: 'environments.dev.kubernetes.context' });
    expect(context?.message).toContain('has no context "nope"');
    const [file] = provider.checkSettings(environmentSpec({ ...settings, kubeconfig: '/nonexistent/kubeconfig' }));
    expect(file).toMatchObject({ code: 'SKIFF_KUBECONFIG_INVALID', path: 'environments.dev.kubernetes.kubeconfig' });
    expect(file?.message).toContain('the kubeconfig /nonexistent/kubeconfig does not exist');
  });
});
