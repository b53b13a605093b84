/**
 * Manifests as text: one multi-document YAML stream, or one file per object named
 * `NN-kind-name.yaml` in apply order. YAML 1.1 quoting, as Kubernetes' own parser reads YAML 1.1:
 * a value such as `on` or `no` stays a string.
 */
import { stringify } from 'yaml';
import type { KubernetesObject } from './manifests/environment-manifests.js';

function documentOf(object: KubernetesObject): string {
  // No anchors and aliases for objects used twice: some tools in the chain (kustomize, Helm post-renderers) refuse them.
  return stringify(object, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}

export function manifestStream(objects: readonly KubernetesObject[]): string {
  return objects.map((object) => `---\n${documentOf(object)}`).join('');
}

export interface ManifestFile {
  readonly name: string;
  readonly text: string;
}

export function manifestFiles(objects: readonly KubernetesObject[]): ManifestFile[] {
  const width = Math.max(2, String(objects.length).length);
  return objects.map((object, index) => ({
    name: `${String(index + 1).padStart(width, '0')}-${object.kind.toLowerCase()}-${object.metadata?.name ?? 'unnamed'}.yaml`,
    text: documentOf(object),
  }));
}
