/**
 * The deployment controller: a ReplicaSet per pod-template hash, replicas moved from the old
 * ReplicaSets to the new one per strategy (RollingUpdate with maxSurge/maxUnavailable, or
 * Recreate), and the status and conditions `kubectl rollout status` reads.
 */
import type { ResourceApi } from '../resource-api.js';
import { typeOfKind } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';
import type { EventRecorder } from './event-recorder.js';
import { podTemplateHash, resolveIntOrPercent } from './names.js';
import { controllerRef, isOwnedBy } from './pod-facts.js';

const DEPLOYMENTS = typeOfKind('Deployment');
const REPLICA_SETS = typeOfKind('ReplicaSet');
const PODS = typeOfKind('Pod');
const MANAGER = 'kube-controller-manager';
const REVISION = 'deployment.kubernetes.io/revision';

type JsonObject = Record<string, unknown>;

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

const spec = (o: KubeObject): JsonObject => (o.spec ?? {}) as JsonObject;
const status = (o: KubeObject): JsonObject => (o.status ?? {}) as JsonObject;
const replicasOf = (rs: KubeObject): number => Number(spec(rs).replicas ?? 0);
const availableOf = (rs: KubeObject): number => Number(status(rs).availableReplicas ?? 0);
const revisionOf = (rs: KubeObject): number => Number(rs.metadata.annotations?.[REVISION] ?? 0);
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class DeploymentController {
  constructor(
    private readonly store: ObjectStore,
    private readonly api: ResourceApi,
    private readonly events: EventRecorder,
  ) {}

  reconcile(): void {
    for (const deployment of this.store.list(DEPLOYMENTS)) {
      if (!deployment.metadata.deletionTimestamp) this.sync(deployment);
    }
  }

  private sync(deployment: KubeObject): void {
    const owned = this.store.list(REPLICA_SETS, deployment.metadata.namespace).filter((rs) => isOwnedBy(rs, deployment));
    const hash = podTemplateHash(spec(deployment).template);
    const newRs = this.ensureNewReplicaSet(deployment, owned, hash);
    const old = owned.filter((rs) => rs.metadata.uid !== newRs.metadata.uid);
    if (!spec(deployment).paused) {
      const strategy = (spec(deployment).strategy ?? {}) as JsonObject;
      if (strategy.type === 'Recreate') this.recreate(deployment, newRs, old);
      else this.rollingUpdate(deployment, newRs, old);
    }
    const current = this.store.list(REPLICA_SETS, deployment.metadata.namespace).filter((rs) => isOwnedBy(rs, deployment));
    this.writeStatus(deployment, current.find((rs) => rs.metadata.uid === newRs.metadata.uid) ?? newRs, current);
  }

  private ensureNewReplicaSet(deployment: KubeObject, owned: readonly KubeObject[], hash: string): KubeObject {
    const maxRevision = Math.max(0, ...owned.map(revisionOf));
    const existing = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    if (existing) {
      // A rollback to an older template makes its ReplicaSet the newest revision again.
      if (revisionOf(existing) < maxRevision) {
        existing.metadata.annotations = { ...existing.metadata.annotations, [REVISION]: String(maxRevision + 1) };
        return this.store.update(REPLICA_SETS, existing);
      }
      return existing;
    }
    const template = structuredClone((spec(deployment).template ?? {}) as JsonObject);
    const templateMeta = (template.metadata ?? {}) as JsonObject;
    const labels = { ...((templateMeta.labels ?? {}) as Record<string, string>), 'pod-template-hash': hash };
    template.metadata = { ...templateMeta, labels };
    const selector = (spec(deployment).selector ?? {}) as JsonObject;
    return this.api.createObject(
      REPLICA_SETS,
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${deployment.metadata.name}-${hash}`,
          namespace: deployment.metadata.namespace,
          labels,
          annotations: { [REVISION]: String(maxRevision + 1), 'deployment.kubernetes.io/desired-replicas': String(spec(deployment).replicas ?? 1) },
          ownerReferences: [controllerRef(deployment)],
        },
        spec: {
          replicas: 0,
          selector: { ...selector, matchLabels: { ...((selector.matchLabels ?? {}) as Record<string, string>), 'pod-template-hash': hash } },
          template,
        },
      },
      MANAGER,
    );
  }

  private recreate(deployment: KubeObject, newRs: KubeObject, old: readonly KubeObject[]): void {
    const active = old.filter((rs) => replicasOf(rs) > 0);
    for (const rs of active) this.scale(deployment, rs, 0);
    if (active.length > 0) return;
    const oldPodsLeft = this.store.list(PODS, deployment.metadata.namespace).some((pod) => old.some((rs) => isOwnedBy(pod, rs)));
    if (!oldPodsLeft) this.scale(deployment, newRs, Number(spec(deployment).replicas ?? 1));
  }

  private rollingUpdate(deployment: KubeObject, newRs: KubeObject, old: readonly KubeObject[]): void {
    const desired = Number(spec(deployment).replicas ?? 1);
    const rolling = (((spec(deployment).strategy ?? {}) as JsonObject).rollingUpdate ?? {}) as JsonObject;
    const maxSurge = resolveIntOrPercent(rolling.maxSurge ?? '25%', desired, true);
    let maxUnavailable = resolveIntOrPercent(rolling.maxUnavailable ?? '25%', desired, false);
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const all = [newRs, ...old];
    const total = all.reduce((n, rs) => n + replicasOf(rs), 0);

    let newReplicas = replicasOf(newRs);
    if (newReplicas > desired) newReplicas = desired;
    else if (newReplicas < desired) newReplicas = Math.min(desired, newReplicas + Math.max(0, desired + maxSurge - total));
    if (newReplicas !== replicasOf(newRs)) this.scale(deployment, newRs, newReplicas);

    const minAvailable = desired - maxUnavailable;
    const allReplicas = total - replicasOf(newRs) + newReplicas;
    const newUnavailable = Math.max(0, newReplicas - availableOf(newRs));
    let budget = allReplicas - minAvailable - newUnavailable;
    const oldestFirst = [...old].sort((a, b) => revisionOf(a) - revisionOf(b));
    const targets = new Map(oldestFirst.map((rs) => [rs.metadata.uid, replicasOf(rs)]));
    // First the old replicas that are not available anyway, then available ones while enough stay available.
    for (const rs of oldestFirst) {
      if (budget <= 0) break;
      const unhealthy = Math.min(budget, Math.max(0, replicasOf(rs) - availableOf(rs)));
      targets.set(rs.metadata.uid, replicasOf(rs) - unhealthy);
      budget -= unhealthy;
    }
    const available = all.reduce((n, rs) => n + availableOf(rs), 0);
    let removable = Math.max(0, available - minAvailable);
    for (const rs of oldestFirst) {
      const target = targets.get(rs.metadata.uid) ?? 0;
      const cut = Math.min(removable, target);
      targets.set(rs.metadata.uid, target - cut);
      removable -= cut;
    }
    for (const rs of oldestFirst) {
      const target = targets.get(rs.metadata.uid) ?? 0;
      if (target !== replicasOf(rs)) this.scale(deployment, rs, target);
    }
  }

  private scale(deployment: KubeObject, rs: KubeObject, replicas: number): void {
    const fresh = this.store.get(REPLICA_SETS, rs.metadata.namespace, rs.metadata.name);
    if (!fresh || replicasOf(fresh) === replicas) return;
    const direction = replicas > replicasOf(fresh) ? 'up' : 'down';
    const from = replicasOf(fresh);
    fresh.spec = { ...spec(fresh), replicas };
    fresh.metadata.annotations = { ...fresh.metadata.annotations, 'deployment.kubernetes.io/desired-replicas': String(spec(deployment).replicas ?? 1) };
    this.store.update(REPLICA_SETS, fresh);
    this.events.record(deployment, 'Normal', 'ScalingReplicaSet', `Scaled ${direction} replica set ${rs.metadata.name} from ${from} to ${replicas}`, 'deployment-controller');
  }

  private writeStatus(deployment: KubeObject, newRs: KubeObject, all: readonly KubeObject[]): void {
    const fresh = this.store.get(DEPLOYMENTS, deployment.metadata.namespace, deployment.metadata.name);
    if (!fresh) return;
    const desired = Number(spec(fresh).replicas ?? 1);
    const sum = (key: string): number => all.reduce((n, rs) => n + Number(status(rs)[key] ?? 0), 0);
    const replicas = sum('replicas');
    const updated = Number(status(newRs).replicas ?? 0);
    const available = sum('availableReplicas');
    const rolling = (((spec(fresh).strategy ?? {}) as JsonObject).rollingUpdate ?? {}) as JsonObject;
    const maxUnavailable = (spec(fresh).strategy as JsonObject | undefined)?.type === 'Recreate' ? 0 : resolveIntOrPercent(rolling.maxUnavailable ?? '25%', desired, false);
    const complete = updated === desired && replicas === desired && available === desired && Number(status(newRs).observedGeneration ?? 0) >= 1;
    const previous = (status(fresh).conditions ?? []) as Condition[];
    const progressing = this.progressing(fresh, newRs, complete, previous.find((c) => c.type === 'Progressing'));
    const conditions = [
      available >= desired - maxUnavailable
        ? { type: 'Available', status: 'True' as const, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False' as const, reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      progressing,
    ].map((c) => stamp(c, previous.find((p) => p.type === c.type)));
    const next = {
      observedGeneration: fresh.metadata.generation,
      replicas,
      updatedReplicas: updated,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      ...(desired - available > 0 ? { unavailableReplicas: desired - available } : {}),
      conditions,
    };
    if (JSON.stringify(next) === JSON.stringify(fresh.status)) return;
    fresh.status = next;
    this.api.replace({ type: DEPLOYMENTS, namespace: fresh.metadata.namespace, name: fresh.metadata.name, subresource: 'status' }, JSON.stringify(fresh), { manager: MANAGER });
  }

  private progressing(deployment: KubeObject, newRs: KubeObject, complete: boolean, previous: Condition | undefined): Condition {
    const rsName = newRs.metadata.name;
    if (spec(deployment).paused) return { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' };
    if (complete) return { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` };
    const deadline = Number(spec(deployment).progressDeadlineSeconds ?? 600) * 1000;
    const since = previous?.reason === 'ReplicaSetUpdated' || previous?.reason === 'NewReplicaSetCreated' ? Date.parse(previous.lastUpdateTime ?? '') : Date.now();
    if ((previous?.reason === 'ProgressDeadlineExceeded' && previous.message.includes(`"${rsName}"`)) || Date.now() - since > deadline)
      return { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` };
    return { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` };
  }
}

/** Keeps a condition's timestamps while it says the same thing, as the real controllers do. */
function stamp(condition: Condition, previous: Condition | undefined): Condition {
  const time = now();
  const same = previous && previous.status === condition.status && previous.reason === condition.reason && previous.message === condition.message;
  return {
    ...condition,
    lastUpdateTime: same ? (previous.lastUpdateTime ?? time) : time,
    lastTransitionTime: previous && previous.status === condition.status ? (previous.lastTransitionTime ?? time) : time,
  };
}
