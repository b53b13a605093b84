import type { ISecret } from 'kubernetes-models/v1/Secret';
import { environmentLabels } from './labels.js';
import { registrySecretName } from './names.js';

/** What the pull Secret holds: the user, and the password (export writes a placeholder). */
export interface RegistryLogin {
  /** The host the registry is reached at (`127.0.0.1:5000`, `ghcr.io`): the key kubelets look images up by. */
  readonly host: string;
  readonly username: string;
  readonly password: string;
}

/**
 * The image pull Secret `skiff-registry` (type kubernetes.io/dockerconfigjson) the pods of an
 * environment name in `imagePullSecrets`: the kubelet pulls with these credentials.
 */
export function registryPullSecret(environment: string, namespace: string, login: RegistryLogin): ISecret {
  const auth = Buffer.from(`${login.username}:${login.password}`, 'utf8').toString('base64');
  const config = { auths: { [login.host]: { username: login.username, password: login.password, auth } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: registrySecretName, namespace, labels: environmentLabels(environment) },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config), 'utf8').toString('base64') },
  };
}

/** The pod spec field that names it, when the environment has one. */
export function imagePullSecrets(pullSecret: boolean): { imagePullSecrets?: { name: string }[] } {
  return pullSecret ? { imagePullSecrets: [{ name: registrySecretName }] } : {};
}
