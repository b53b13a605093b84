/**
 * A kubernetes environment's volumes are its PersistentVolumeClaims (`SERVICE-volume-NAME`),
 * applied with each release and never pruned: only `skiff volume delete` deletes one.
 */
import type { ProviderVolumeRef, ProviderVolumes } from '../../../reconcile/provider.js';
import { kubeResources, type KubeClient } from '../client/index.js';
import { volumeClaimName } from '../manifests/volume-claims.js';

export function claimVolumes(client: () => KubeClient, namespace: string): ProviderVolumes {
  const claim = (ref: ProviderVolumeRef): string => volumeClaimName(ref.service, ref.name);
  return {
    describe: (ref) => `PersistentVolumeClaim ${claim(ref)} in namespace ${namespace}`,
    exists: async (ref) => (await client().get(kubeResources.PersistentVolumeClaim, claim(ref))) !== undefined,
    remove: (ref) => client().delete(kubeResources.PersistentVolumeClaim, claim(ref), { propagationPolicy: 'Background' }),
  };
}
