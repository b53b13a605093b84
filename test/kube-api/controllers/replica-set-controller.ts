/**
 * The ReplicaSet controller: as many active pods as spec.replicas (named `RS-xxxxx`), removing
 * the least useful first (not ready, then lower pod-deletion-cost, then newest), and the status
 * counts the deployment controller reads.
 */
import type { ResourceApi } from '../resource-api.js';
import { typeOfKind } from '../resources.js';
import { randomSuffix, type KubeObject, type ObjectStore } from '../store.js';
import type { EventRecorder } from './event-recorder.js';
import { controllerRef, deletionCost, isOwnedBy, isPodActive, isPodReady } from './pod-facts.js';

const REPLICA_SETS = typeOfKind('ReplicaSet');
const PODS = typeOfKind('Pod');
const MANAGER = 'kube-controller-manager';

type JsonObject = Record<string, unknown>;

function removalOrder(a: KubeObject, b: KubeObject): number {
  const rank = (pod: KubeObject): number => (!(pod.spec as JsonObject).nodeName ? 0 : isPodReady(pod) ? 2 : 1);
  return rank(a) - rank(b) || deletionCost(a) - deletionCost(b) || Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? '');
}

export class ReplicaSetController {
  constructor(
    private readonly store: ObjectStore,
    private readonly api: ResourceApi,
    private readonly events: EventRecorder,
  ) {}

  reconcile(): void {
    for (const rs of this.store.list(REPLICA_SETS)) if (!rs.metadata.deletionTimestamp) this.sync(rs);
  }

  private sync(rs: KubeObject): void {
    const namespace = rs.metadata.namespace;
    const desired = Number((rs.spec as JsonObject).replicas ?? 1);
    const active = this.store.list(PODS, namespace).filter((pod) => isOwnedBy(pod, rs) && isPodActive(pod));
    for (let i = active.length; i < desired; i += 1) {
      const pod = this.createPod(rs);
      active.push(pod);
      this.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
    }
    if (active.length > desired) {
      const doomed = [...active].sort(removalOrder).slice(0, active.length - desired);
      for (const pod of doomed) {
        this.api.delete({ type: PODS, namespace, name: pod.metadata.name }, {});
        this.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, 'replicaset-controller');
      }
      const gone = new Set(doomed.map((p) => p.metadata.uid));
      active.splice(0, active.length, ...active.filter((p) => !gone.has(p.metadata.uid)));
    }
    const ready = active.filter(isPodReady).length;
    const next = { replicas: active.length, fullyLabeledReplicas: active.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation };
    const fresh = this.store.get(REPLICA_SETS, namespace, rs.metadata.name);
    if (!fresh || JSON.stringify(fresh.status) === JSON.stringify(next)) return;
    fresh.status = next;
    this.api.replace({ type: REPLICA_SETS, namespace, name: rs.metadata.name, subresource: 'status' }, JSON.stringify(fresh), { manager: MANAGER });
  }

  private createPod(rs: KubeObject): KubeObject {
    const template = ((rs.spec as JsonObject).template ?? {}) as JsonObject;
    const meta = (template.metadata ?? {}) as JsonObject;
    return this.api.createObject(
      PODS,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...meta, name: `${rs.metadata.name}-${randomSuffix()}`, namespace: rs.metadata.namespace, ownerReferences: [controllerRef(rs)] },
        spec: structuredClone(template.spec ?? {}),
      },
      MANAGER,
    );
  }
}
