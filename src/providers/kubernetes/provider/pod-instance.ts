/**
 * A pod as the layers above the providers see an instance: the pod's name is the instance id, its
 * labels name service and release, and its phase, conditions and container statuses give the state.
 * Pure.
 */
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { InstanceState, ObservedInstance } from '../../../core/instance.js';
import type { KubeObject } from '../client/index.js';
import { containerPort } from '../manifests/index.js';

export type Pod = KubeObject & Pick<IPod, 'spec' | 'status'>;

export const serviceLabel = 'app.kubernetes.io/name';
export const releaseLabel = 'skiff.dev/release';

/** Waiting reasons that mean the container cannot run as it is: the kubelet keeps retrying, but a person must act. */
const crashReasons = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull']);

export interface PodFacts {
  readonly environment: string;
  /** The config hash of the pod's release (from its Deployment); '' when unknown. */
  readonly configHash: string;
  readonly ordinal: number;
  /** Skiff asked for this pod to stop, before the cluster shows it terminating. */
  readonly stopRequested: boolean;
}

function podState(pod: Pod, stopRequested: boolean): { readonly state: InstanceState; readonly reason: string | null } {
  if (stopRequested || pod.metadata.deletionTimestamp) return { state: 'stopping', reason: null };
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && crashReasons.has(waiting.reason)) {
      return { state: 'crashed', reason: waiting.message ? `${waiting.reason}: ${waiting.message}` : waiting.reason };
    }
  }
  const ready = (pod.status?.conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True');
  return { state: ready ? 'ready' : 'starting', reason: null };
}

export function podService(pod: Pod): string {
  return pod.metadata.labels?.[serviceLabel] ?? '';
}

export function podRelease(pod: Pod): string {
  return pod.metadata.labels?.[releaseLabel] ?? '';
}

export function podToInstance(pod: Pod, facts: PodFacts): ObservedInstance {
  const { state, reason } = podState(pod, facts.stopRequested);
  const startTime = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
  const podIP = pod.status?.podIP;
  return {
    id: pod.metadata.name,
    environment: facts.environment,
    service: podService(pod),
    release: podRelease(pod),
    configHash: facts.configHash,
    state,
    reason,
    restarts: (pod.status?.containerStatuses ?? []).reduce((sum, status) => sum + status.restartCount, 0),
    ordinal: facts.ordinal,
    // The kubelet restarts crashed containers itself; the control plane has nothing to restart.
    nextStartAt: null,
    startedAt: Number.isNaN(startTime) ? null : startTime,
    address: podIP && state !== 'crashed' ? { host: podIP, port: containerPort } : null,
  };
}
