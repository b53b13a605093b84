/**
 * The connection of a process running in a pod (as the router does): the API server from the
 * KUBERNETES_SERVICE_HOST/PORT the kubelet sets, trusted with the service account's CA, and its
 * projected token (read again for every request: it rotates), as client-go's rest.InClusterConfig.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../../../core/errors.js';
import type { KubeConnection } from './kubeconfig.js';

export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterEnvironment {
  readonly KUBERNETES_SERVICE_HOST?: string;
  readonly KUBERNETES_SERVICE_PORT?: string;
}

export function inClusterConnection(env: InClusterEnvironment, dir = serviceAccountDir): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new SkiffError('SKIFF_KUBECONFIG_INVALID', 'not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set', {
      hint: 'give a kubeconfig (--kubeconfig PATH) when the router runs outside the cluster',
    });
  }
  const read = (file: string): string => {
    try {
      return readFileSync(path.join(dir, file), 'utf8');
    } catch (error) {
      throw new SkiffError('SKIFF_KUBECONFIG_INVALID', `cannot read the service account's ${file} in ${dir}: ${(error as Error).message}`, {
        path: path.join(dir, file),
        hint: 'mount the service account token (automountServiceAccountToken: true)',
        cause: error,
      });
    }
  };
  const ca = read('ca.crt');
  // An IPv6 address needs brackets in a URL.
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    server,
    certificateAuthority: ca,
    insecureSkipTlsVerify: false,
    credentials: { kind: 'token-file', path: path.join(dir, 'token') },
    namespace: read('namespace').trim(),
    kubeconfigPath: dir,
    contextName: 'in-cluster',
    userName: 'serviceaccount',
  };
}
