/**
 * What a change to a running kubernetes environment's settings (`kubernetes:`, `registry:`) asks
 * of its provider: nothing, an update in place (the router's Service, how its admin ports are
 * reached, where images go), or a new provider (another cluster or namespace). Pure.
 */
import { kubernetesNamespace, kubernetesSettings, type KubernetesSpec } from '../../../spec/schema-kubernetes.js';

export interface ClusterSettings {
  readonly kubernetes: KubernetesSpec | undefined;
  readonly registry: string;
}

export type ClusterSettingsChange =
  | { readonly kind: 'unchanged' }
  /** `fields`: the changed settings by their spec name (`serviceType`, `registry`…). */
  | { readonly kind: 'in-place'; readonly fields: readonly string[] }
  /** `fields`: what names another cluster or namespace (`namespace`, `context`, `kubeconfig`). */
  | { readonly kind: 'replace'; readonly fields: readonly string[] };

/** The settings that say where the environment runs: a change of one is a new provider. */
const placeFields = ['kubeconfig', 'context', 'namespace'] as const;
/** The settings a running provider takes as they are. */
const inPlaceFields = ['serviceType', 'routerAccess', 'gateway', 'analysisSource', 'registryCredentials'] as const;

export function planSettingsChange(environment: string, current: ClusterSettings, next: ClusterSettings): ClusterSettingsChange {
  const before = kubernetesSettings(current.kubernetes);
  const after = kubernetesSettings(next.kubernetes);
  const differs = (field: keyof KubernetesSpec): boolean =>
    field === 'namespace'
      ? kubernetesNamespace(environment, current.kubernetes) !== kubernetesNamespace(environment, next.kubernetes)
      : JSON.stringify(before[field]) !== JSON.stringify(after[field]);
  const moved = placeFields.filter(differs);
  if (moved.length > 0) return { kind: 'replace', fields: moved };
  const changed: string[] = inPlaceFields.filter(differs);
  if (current.registry !== next.registry) changed.push('registry');
  return changed.length === 0 ? { kind: 'unchanged' } : { kind: 'in-place', fields: changed };
}
