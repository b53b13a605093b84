/**
 * The connection an environment's `kubernetes:` settings name, and the check of new settings
 * before they are applied: a kubeconfig that cannot be read or a context it does not have refuses
 * the change with the field's path, while the environment keeps running on its current settings.
 */
import path from 'node:path';
import { isSkiffError, type ErrorDetail } from '../../../core/errors.js';
import type { KubernetesSpec } from '../../../spec/schema-kubernetes.js';
import { loadKubeconfig, type KubeConnection, type KubeconfigDefaults } from '../client/index.js';

export interface ConnectionSources {
  /** Where a relative `kubernetes.kubeconfig` is resolved from: the spec file's directory. */
  readonly specDir: string;
  readonly kubeconfigDefaults: KubeconfigDefaults;
}

/** Reads the kubeconfig the settings name (throws SKIFF_KUBECONFIG_INVALID). */
export function clusterConnection(settings: KubernetesSpec | undefined, sources: ConnectionSources): KubeConnection {
  return loadKubeconfig(
    { ...(settings?.kubeconfig ? { kubeconfig: path.resolve(sources.specDir, settings.kubeconfig) } : {}), ...(settings?.context ? { context: settings.context } : {}) },
    sources.kubeconfigDefaults,
  );
}

/** [] when the settings' kubeconfig and context can be used; else why not, at `environments.ENV.kubernetes.FIELD`. */
export function connectionErrors(environment: string, settings: KubernetesSpec | undefined, sources: ConnectionSources): ErrorDetail[] {
  try {
    clusterConnection(settings, sources);
    return [];
  } catch (error) {
    if (!isSkiffError(error)) throw error;
    // The error's own path is in the kubeconfig file, except for a context the settings name.
    const field = error.path === 'kubernetes.context' ? 'context' : settings?.kubeconfig ? 'kubeconfig' : settings?.context ? 'context' : 'kubeconfig';
    const within = error.path && error.path !== 'kubernetes.context' ? ` (at ${error.path} in the kubeconfig)` : '';
    return [
      {
        code: error.code,
        path: `environments.${environment}.kubernetes.${field}`,
        message: `${error.message}${within}; the environment keeps running on its current settings`,
        ...(error.hint ? { hint: error.hint } : {}),
      },
    ];
  }
}
