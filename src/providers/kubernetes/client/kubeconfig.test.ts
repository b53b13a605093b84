/**
 * Kubeconfig loading: the variants users have (CA inline or in a file, token inline or in a file,
 * several contexts, KUBECONFIG lists, ~/.kube/config) reach the fake API server; bad kubeconfigs
 * fail with SKIFF_KUBECONFIG_INVALID naming the file, the field and what to do.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKubeApi, type FakeKubeApi } from '../../../../test/kube-api/start-fake-kube-api.js';
import { SkiffError } from '../../../core/errors.js';
import { KubeClient } from './kube-client.js';
import { loadKubeconfig, type KubeconfigChoice, type KubeconfigDefaults } from './kubeconfig.js';
import { kubeResources } from './resources.js';
import { fakeKubeconfig, scratchDir, type ScratchDir } from './testing/kubeconfig-files.js';

let api: FakeKubeApi;
let scratch: ScratchDir;

beforeAll(async () => {
  api = await startFakeKubeApi({ namespaces: ['team-a'] });
  scratch = scratchDir();
});
afterAll(async () => {
  await api?.stop();
  scratch?.remove();
});

const noDefaults: KubeconfigDefaults = { homeDir: '/nonexistent' };

/** Lists namespaces through a client made from the kubeconfig: proves it reaches and authenticates. */
async function namespacesVia(choice: KubeconfigChoice, defaults = noDefaults): Promise<string[]> {
  const client = new KubeClient(loadKubeconfig(choice, defaults));
  try {
    return (await client.list(kubeResources.Namespace)).items.map((n) => n.metadata.name);
  } finally {
    client.close();
  }
}

function kubeconfigFailure(choice: KubeconfigChoice, defaults = noDefaults): SkiffError {
  try {
    loadKubeconfig(choice, defaults);
  } catch (error) {
    if (error instanceof SkiffError) return error;
    throw error;
  }
  throw new Error('the kubeconfig loaded');
}

describe('kubeconfig', () => {
  it("reads the fake's kubeconfig: server, CA data, token and the context's namespace", async () => {
    const connection = loadKubeconfig({ kubeconfig: api.kubeconfigPath }, noDefaults);
    expect(connection).toMatchObject({ server: api.url, certificateAuthority: api.caCertificate, credentials: { kind: 'token', token: api.token }, namespace: 'default', contextName: 'skiff-fake' });
    expect(await namespacesVia({ kubeconfig: api.kubeconfigPath })).toContain('team-a');
  });

  it('a CA file and a token file, relative to the kubeconfig, work like inline data', async () => {
    const config = fakeKubeconfig(api);
    scratch.write('ca.pem', api.caCertificate);
    scratch.write('token', `${api.token}\n`);
    delete config.clusters[0].cluster['certificate-authority-data'];
    config.clusters[0].cluster['certificate-authority'] = 'ca.pem';
    config.users[0].user = { tokenFile: './token' };
    const file = scratch.write('files.yaml', config);
    expect(await namespacesVia({ kubeconfig: file })).toContain('team-a');
  });

  it('without the CA the server is not trusted; insecure-skip-tls-verify connects anyway', async () => {
    const config = fakeKubeconfig(api);
    delete config.clusters[0].cluster['certificate-authority-data'];
    const untrusted = scratch.write('untrusted.yaml', config);
    const error = await namespacesVia({ kubeconfig: untrusted }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SKIFF_KUBE_UNREACHABLE' });
    expect((error as SkiffError).message).toContain('certificate Skiff does not trust');
    expect((error as SkiffError).hint).toContain('certificate-authority');

    config.clusters[0].cluster['insecure-skip-tls-verify'] = true;
    expect(await namespacesVia({ kubeconfig: scratch.write('insecure.yaml', config) })).toContain('team-a');
  });

  it('chooses the named context, else the current-context; the namespace comes from the context', async () => {
    const config = fakeKubeconfig(api);
    config.clusters.push({ name: 'nowhere', cluster: { server: 'https://127.0.0.1:1' } });
    config.contexts.push({ name: 'team-a', context: { cluster: 'skiff-fake', user: 'skiff-test', namespace: 'team-a' } });
    config.contexts.push({ name: 'broken', context: { cluster: 'nowhere', user: 'skiff-test' } });
    config['current-context'] = 'broken';
    const file = scratch.write('contexts.yaml', config);

    expect(loadKubeconfig({ kubeconfig: file, context: 'team-a' }, noDefaults)).toMatchObject({ contextName: 'team-a', namespace: 'team-a', server: api.url });
    expect(await namespacesVia({ kubeconfig: file, context: 'team-a' })).toContain('team-a');
    expect(loadKubeconfig({ kubeconfig: file }, noDefaults)).toMatchObject({ contextName: 'broken', server: 'https://127.0.0.1:1' });
  });

  it('without a kubeconfig named: $KUBECONFIG (a list, the first file wins) or ~/.kube/config', async () => {
    const config = fakeKubeconfig(api);
    const contextOnly = scratch.write('context-only.yaml', { contexts: [{ name: 'team-a', context: { cluster: 'skiff-fake', user: 'skiff-test', namespace: 'team-a' } }], 'current-context': 'team-a' });
    const full = scratch.write('full.yaml', config);
    const merged = loadKubeconfig({}, { KUBECONFIG: [contextOnly, full].join(path.delimiter), homeDir: '/nonexistent' });
    expect(merged).toMatchObject({ contextName: 'team-a', namespace: 'team-a', server: api.url });

    scratch.write('.kube/config', config);
    expect(await namespacesVia({}, { homeDir: scratch.dir })).toContain('team-a');
  });

  describe('bad kubeconfigs', () => {
    it('a missing file names the path and says how to find the right one', () => {
      const error = kubeconfigFailure({ kubeconfig: path.join(scratch.dir, 'absent.yaml') });
      expect(error.code).toBe('SKIFF_KUBECONFIG_INVALID');
      expect(error.message).toBe(`the kubeconfig ${path.join(scratch.dir, 'absent.yaml')} does not exist`);
      expect(error.hint).toContain('kubernetes.kubeconfig');
      expect(kubeconfigFailure({}, { homeDir: '/nonexistent' }).message).toBe('the kubeconfig /nonexistent/.kube/config does not exist');
    });

    it('an unknown context lists the contexts there are', () => {
      const error = kubeconfigFailure({ kubeconfig: api.kubeconfigPath, context: 'prod' });
      expect(error).toMatchObject({ code: 'SKIFF_KUBECONFIG_INVALID', path: 'kubernetes.context' });
      expect(error.message).toBe(`the kubeconfig ${api.kubeconfigPath} has no context "prod"`);
      expect(error.hint).toContain('(skiff-fake)');
    });

    it('a context naming a cluster or user the file lacks names the field', () => {
      const config = fakeKubeconfig(api);
      config.contexts[0].context.cluster = 'gone';
      let error = kubeconfigFailure({ kubeconfig: scratch.write('no-cluster.yaml', config) });
      expect(error).toMatchObject({ code: 'SKIFF_KUBECONFIG_INVALID', path: 'contexts[skiff-fake].context.cluster' });
      expect(error.message).toContain('names cluster "gone", which');

      const other = fakeKubeconfig(api);
      other.contexts[0].context.user = 'nobody';
      error = kubeconfigFailure({ kubeconfig: scratch.write('no-user.yaml', other) });
      expect(error).toMatchObject({ code: 'SKIFF_KUBECONFIG_INVALID', path: 'contexts[skiff-fake].context.user' });
      expect(error.hint).toContain('skiff-test');
    });

    it('an exec plugin is reported as not supported, with a hint to use a token', () => {
      const config = fakeKubeconfig(api);
      config.users[0].user = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token'] } };
      const error = kubeconfigFailure({ kubeconfig: scratch.write('exec.yaml', config) });
      expect(error).toMatchObject({ code: 'SKIFF_KUBECONFIG_INVALID', path: 'users[skiff-test].user.exec' });
      expect(error.message).toContain('exec plugin (aws), which Skiff does not run');
      expect(error.hint).toContain('token');
    });

    it('a client certificate without its key, a server that is no URL and broken YAML are each named', () => {
      const config = fakeKubeconfig(api);
      config.users[0].user = { 'client-certificate-data': Buffer.from('cert').toString('base64') };
      expect(kubeconfigFailure({ kubeconfig: scratch.write('no-key.yaml', config) })).toMatchObject({ path: 'users[skiff-test].user.client-key' });

      const noServer = fakeKubeconfig(api);
      noServer.clusters[0].cluster.server = 'not a url';
      expect(kubeconfigFailure({ kubeconfig: scratch.write('bad-server.yaml', noServer) })).toMatchObject({ path: 'clusters[skiff-fake].cluster.server' });

      const broken = kubeconfigFailure({ kubeconfig: scratch.write('broken.yaml', 'clusters: [\n') });
      expect(broken.code).toBe('SKIFF_KUBECONFIG_INVALID');
      expect(broken.message).toContain('is not valid YAML');

      const malformed = kubeconfigFailure({ kubeconfig: scratch.write('malformed.yaml', { clusters: [{ name: 'x', cluster: { server: 42 } }] }) });
      expect(malformed).toMatchObject({ code: 'SKIFF_KUBECONFIG_INVALID', path: 'clusters[0].cluster.server' });
    });
  });
});
