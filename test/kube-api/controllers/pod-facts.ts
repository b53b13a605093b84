/** What the controllers read off a pod. */
import type { KubeObject } from '../store.js';

type JsonObject = Record<string, unknown>;

export function isPodReady(pod: KubeObject): boolean {
  const conditions = ((pod.status as JsonObject | undefined)?.conditions ?? []) as { type: string; status: string }[];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A pod the ReplicaSet counts: not terminating and not finished. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = (pod.status as JsonObject | undefined)?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export function isOwnedBy(object: KubeObject, owner: KubeObject): boolean {
  return (object.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid && r.controller === true);
}

export function controllerRef(owner: KubeObject): NonNullable<KubeObject['metadata']['ownerReferences']>[number] {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function deletionCost(pod: KubeObject): number {
  return Number(pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'] ?? 0) || 0;
}

/** The PersistentVolumeClaims the pod's volumes name. */
export function claimNamesOf(pod: KubeObject): string[] {
  const volumes = ((pod.spec as JsonObject | undefined)?.volumes ?? []) as { persistentVolumeClaim?: { claimName?: string } }[];
  return volumes.flatMap((volume) => (volume.persistentVolumeClaim?.claimName ? [volume.persistentVolumeClaim.claimName] : []));
}
