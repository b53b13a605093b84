/**
 * PersistentVolumeClaims as a cluster with a dynamic provisioner treats them: a new claim is
 * Bound at once to a volume `pvc-<uid>` of the size it asks for; the `kubernetes.io/pvc-protection`
 * finalizer keeps a deleted claim (Terminating) until no pod uses it. There are no
 * PersistentVolume objects: the volume is where the pod runtime keeps the claim's data
 * (claim-volumes.ts in docker mode), and it goes when its claim does.
 */
import type { ResourceApi } from '../resource-api.js';
import { typeOfKind } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';
import { claimNamesOf } from './pod-facts.js';

const CLAIMS = typeOfKind('PersistentVolumeClaim');
const PODS = typeOfKind('Pod');
const MANAGER = 'kube-controller-manager';
export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';

type JsonObject = Record<string, unknown>;

export class VolumeClaimController {
  constructor(
    private readonly store: ObjectStore,
    private readonly api: ResourceApi,
    /** Called with the uid of each claim that is gone, so its data can go too. */
    private readonly claimGone: (uid: string) => void = () => undefined,
  ) {}

  private readonly known = new Set<string>();

  reconcile(): void {
    const claims = this.store.list(CLAIMS);
    const present = new Set(claims.map((claim) => claim.metadata.uid ?? ''));
    for (const uid of this.known) {
      if (present.has(uid)) continue;
      this.known.delete(uid);
      this.claimGone(uid);
    }
    for (const claim of claims) {
      this.known.add(claim.metadata.uid ?? '');
      const finalizers = (claim.metadata.finalizers ?? []) as string[];
      if (claim.metadata.deletionTimestamp) {
        if (finalizers.includes(PVC_PROTECTION) && !this.inUse(claim)) this.write(claim, { ...claim, metadata: { ...claim.metadata, finalizers: finalizers.filter((f) => f !== PVC_PROTECTION) } });
        continue;
      }
      if (!finalizers.includes(PVC_PROTECTION)) this.write(claim, { ...claim, metadata: { ...claim.metadata, finalizers: [...finalizers, PVC_PROTECTION] } });
      else if ((claim.status as JsonObject | undefined)?.phase !== 'Bound') this.bind(claim);
    }
  }

  private bind(claim: KubeObject): void {
    const spec = claim.spec as { accessModes?: string[]; resources?: { requests?: { storage?: string } } };
    const bound = this.write(claim, { ...claim, spec: { ...(claim.spec as JsonObject), volumeName: `pvc-${claim.metadata.uid ?? ''}` } });
    const status = { phase: 'Bound', accessModes: spec.accessModes ?? [], capacity: { storage: spec.resources?.requests?.storage ?? '0' } };
    this.api.replace({ type: CLAIMS, namespace: claim.metadata.namespace, name: claim.metadata.name, subresource: 'status' }, JSON.stringify({ ...bound, status }), { manager: MANAGER });
  }

  private write(claim: KubeObject, next: KubeObject): KubeObject {
    return this.api.replace({ type: CLAIMS, namespace: claim.metadata.namespace, name: claim.metadata.name }, JSON.stringify(next), { manager: MANAGER });
  }

  /** A pod that mounts it and has not finished (a pod being deleted still runs until the kubelet removes it). */
  private inUse(claim: KubeObject): boolean {
    return this.store.list(PODS, claim.metadata.namespace).some((pod) => {
      const phase = (pod.status as JsonObject | undefined)?.phase;
      return phase !== 'Succeeded' && phase !== 'Failed' && claimNamesOf(pod).includes(claim.metadata.name);
    });
  }
}
