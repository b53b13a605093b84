import type { INamespace } from 'kubernetes-models/v1/Namespace';
import { environmentLabels } from './labels.js';

export function namespaceObject(environment: string, namespace: string): INamespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { ...environmentLabels(environment), 'kubernetes.io/metadata.name': namespace } },
    // Set by the API server on every namespace.
    spec: { finalizers: ['kubernetes'] },
  };
}
