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

const digestOf = (reference: string | undefined): string | null => /@(sha256:[0-9a-f]{64})$/.exec(reference ?? '')?.[1] ?? null;

/**
 * A container that runs another image than its release's digest (a registry that served other
 * bytes under the digest's name, a node's cache): the image a pod reports (`imageID`) is compared
 * with the digest its spec names, when both are digests.
 */
function imageMismatch(pod: Pod): string | null {
  for (const status of pod.status?.containerStatuses ?? []) {
    const wanted = digestOf(pod.spec?.containers.find((container) => container.name === status.name)?.image);
    const running = digestOf(status.imageID);
    if (wanted && running && wanted !== running) {
      return `ImageDigestMismatch: container ${status.name} runs ${running}, but its release's image is ${wanted}`;
    }
  }
  return null;
}

function podState(pod: Pod, stopRequested: boolean): { readonly state: InstanceState; readonly reason: string | null } {
  if (stopRequested || pod.metadata.deletionTimestamp) return { state: 'stopping', reason: null };
  const mismatch = imageMismatch(pod);
  if (mismatch) return { state: 'crashed', reason: mismatch };
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && crashReasons.has(waiting.reason)) {
      const last = status.lastState?.terminated;
      // What the container last died of (OOMKilled, Error with its code) is what a person acts on.
      const died = last ? `; last exit: ${last.reason ?? 'terminated'} (exit code ${last.exitCode})` : '';
      return { state: 'crashed', reason: `${waiting.message ? `${waiting.reason}: ${waiting.message}` : waiting.reason}${died}` };
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
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
  };
}
