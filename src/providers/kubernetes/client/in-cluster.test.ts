/**
 * A process in a pod reaches the API server with its service account (token, CA, namespace files)
 * and KUBERNETES_SERVICE_HOST/PORT: here the fake API server's, from a folder laid out as the kubelet mounts it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeKubeApi } from '../../../../test/kube-api/start-fake-kube-api.js';
import { inClusterConnection } from './in-cluster.js';
import { KubeClient } from './kube-client.js';
import { kubeResources } from './resources.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the in-cluster connection', () => {
  it("reads the service account's token, CA and namespace, and reads the token again for every request (it rotates)", async () => {
    const api = await startFakeKubeApi({ namespaces: ['skiff-prod'] });
    cleanups.push(() => api.stop());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-sa-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'token'), api.token);
    await writeFile(path.join(dir, 'ca.crt'), api.caCertificate);
    await writeFile(path.join(dir, 'namespace'), 'skiff-prod\n');

    const connection = inClusterConnection({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(api.url).port }, dir);
    const client = new KubeClient(connection);
    expect(client.namespace).toBe('skiff-prod');
    expect((await client.list(kubeResources.ConfigMap)).items).toEqual([]);

    api.setToken('rotated');
    await expect(client.list(kubeResources.ConfigMap)).rejects.toMatchObject({ code: 'SKIFF_KUBE_UNAUTHORIZED' });
    await writeFile(path.join(dir, 'token'), 'rotated');
    expect((await client.list(kubeResources.ConfigMap)).items).toEqual([]);
  });

  it('says what is missing outside a pod', async () => {
    expect(() => inClusterConnection({})).toThrow(expect.objectContaining({ code: 'SKIFF_KUBECONFIG_INVALID', hint: expect.stringContaining('--kubeconfig') }));
    expect(() => inClusterConnection({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, '/nonexistent')).toThrow(
      expect.objectContaining({ code: 'SKIFF_KUBECONFIG_INVALID', message: expect.stringContaining('/nonexistent') }),
    );
  });
});
