import { describe, expect, it } from 'vitest';
import { parseSpec } from '../spec/parse.js';
import { shopKubernetesEnvironment, shopReleases, shopSpecText } from '../providers/kubernetes/testing/shop.js';
import { exportKubernetes } from './kubernetes-export.js';

describe('skiff export of an environment whose registry asks for credentials', () => {
  it('writes the pull Secret with the user and a placeholder for the password, never the password', () => {
    const text = shopSpecText().replace(shopKubernetesEnvironment, shopKubernetesEnvironment.replace('      serviceType: NodePort\n', '      serviceType: NodePort\n      registryCredentials: { username: deployer, passwordEnv: SKIFF_REGISTRY_SHOP }\n'));
    const parsed = parseSpec(text, 'skiff.yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const exported = exportKubernetes({ spec: parsed.spec, environment: 'cluster', registry: '127.0.0.1:5000/skiff', releases: shopReleases, routerImage: '127.0.0.1:5000/skiff/skiff-router:0.1.0' });
    const file = exported.files.find((entry) => entry.name.endsWith('-secret-skiff-registry.yaml'));
    expect(file?.text).toContain('type: kubernetes.io/dockerconfigjson');
    const encoded = /\.dockerconfigjson: (\S+)/.exec(file?.text ?? '')?.[1] ?? '';
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')).auths['127.0.0.1:5000']).toMatchObject({ username: 'deployer', password: '<SKIFF_REGISTRY_SHOP: set in the cluster>' });
    expect(exported.stream).toContain('imagePullSecrets:');
  });
});
