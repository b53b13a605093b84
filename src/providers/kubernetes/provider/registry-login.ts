/**
 * The environment's registry credentials on the cluster side: the password from `skiff up`'s
 * environment (the variable the spec names), and the image pull Secret `skiff-registry` the pods
 * pull with, applied when there are credentials and deleted when there are none any more.
 */
import { SkiffError } from '../../../core/errors.js';
import type { KubernetesSpec } from '../../../spec/schema-kubernetes.js';
import { kubeResources, type KubeClient, type KubeObject } from '../client/index.js';
import { registryHost, type RegistryCredentials } from '../images/index.js';
import { managedBy } from '../manifests/labels.js';
import { registrySecretName } from '../manifests/names.js';
import { registryPullSecret } from '../manifests/registry-secret.js';

/** The credentials `kubernetes.registryCredentials` names, or undefined when it names none; an unset variable is an error naming it. */
export function registryCredentialsOf(settings: KubernetesSpec | undefined, registry: string, passwords: Readonly<Record<string, string>>): RegistryCredentials | undefined {
  const named = settings?.registryCredentials;
  if (named === undefined) return undefined;
  const password = Object.hasOwn(passwords, named.passwordEnv) ? passwords[named.passwordEnv] : undefined;
  if (password === undefined || password === '') {
    throw new SkiffError('SKIFF_REGISTRY_UNAUTHORIZED', `the password of user "${named.username}" for the image registry ${registryHost(registry)} is not set: ${named.passwordEnv} is not in the environment of \`skiff up\``, {
      hint: `start \`skiff up\` with ${named.passwordEnv} set to the registry's password or token`,
      path: 'kubernetes.registryCredentials.passwordEnv',
    });
  }
  return { username: named.username, password, source: named.passwordEnv };
}

/** Applies the pull Secret, or deletes the one Skiff made earlier when the registry no longer has credentials. */
export async function syncPullSecret(options: {
  readonly client: KubeClient;
  readonly environment: string;
  readonly registry: string;
  readonly credentials: RegistryCredentials | undefined;
  readonly force: boolean;
}): Promise<void> {
  const { client, environment, registry, credentials } = options;
  if (credentials !== undefined) {
    const login = { host: registryHost(registry), username: credentials.username, password: credentials.password };
    await client.apply(registryPullSecret(environment, client.namespace, login) as KubeObject, { force: options.force });
    return;
  }
  const existing = await client.get(kubeResources.Secret, registrySecretName);
  const ours = existing?.metadata.labels?.['app.kubernetes.io/managed-by'] === managedBy['app.kubernetes.io/managed-by'];
  if (ours) await client.delete(kubeResources.Secret, registrySecretName);
}
