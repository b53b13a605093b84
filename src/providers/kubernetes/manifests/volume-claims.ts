/**
 * A service's volumes on Kubernetes: one PersistentVolumeClaim per volume, per environment (its
 * namespace), named by service and volume but not by release, so every release mounts the same
 * claim and the data outlives them. Pods mount it at the spec's path and find it in
 * SKIFF_VOLUME_<NAME>, as containers on the local provider do.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { volumeEnvName } from '../../../spec/volume-env.js';
import type { DesiredService } from '../../../spec/desired.js';
import { environmentLabels } from './labels.js';
import { dnsLabel } from './names.js';

/** What each claim asks for: the spec has no size yet, so one a small service's data fits in. */
export const volumeClaimSize = '1Gi';

export function volumeClaimName(service: string, volume: string): string {
  return dnsLabel(service, 'volume', volume);
}

/**
 * ReadWriteOnce, which every storage class offers: the pods of a service share the claim while
 * they run on one node (a multi-node cluster needs a ReadWriteMany class for more than that).
 */
export function volumeClaims(environment: string, namespace: string, service: DesiredService): IPersistentVolumeClaim[] {
  return service.volumes.map((volume) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: volumeClaimName(service.name, volume.name),
      namespace,
      labels: { 'app.kubernetes.io/name': service.name, ...environmentLabels(environment), 'skiff.dev/volume': volume.name },
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: volumeClaimSize } }, volumeMode: 'Filesystem' },
  }));
}

/** The pod's volumes and the container's mounts and variables for the service's volumes; empty when it has none. */
export function volumeMountsOf(service: DesiredService): {
  readonly podVolumes: NonNullable<IPodSpec['volumes']>;
  readonly mounts: NonNullable<IContainer['volumeMounts']>;
  readonly env: NonNullable<IContainer['env']>;
} {
  return {
    podVolumes: service.volumes.map((volume) => ({ name: volume.name, persistentVolumeClaim: { claimName: volumeClaimName(service.name, volume.name) } })),
    mounts: service.volumes.map((volume) => ({ name: volume.name, mountPath: volume.path })),
    env: service.volumes.map((volume) => ({ name: volumeEnvName(volume.name), value: volume.path })),
  };
}
