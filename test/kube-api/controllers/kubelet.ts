/**
 * The scheduler and kubelet of the one fake node: binds new pods to the node, starts them in
 * the pod runtime, turns its reports into pod status (phase, conditions, IPs, containerStatuses),
 * and finishes a graceful deletion once the runtime has stopped the pod.
 */
import type { ResourceApi } from '../resource-api.js';
import { typeOfKind } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';
import type { EventRecorder } from './event-recorder.js';
import { claimNamesOf } from './pod-facts.js';
import { refOf, timestamp, type PodRef, type PodReport, type PodRuntime, type PodRuntimeSink } from './pod-runtime.js';

const PODS = typeOfKind('Pod');
const CLAIMS = typeOfKind('PersistentVolumeClaim');
export const NODE_NAME = 'skiff-fake-node';
const HOST_IP = '127.0.0.1';

type JsonObject = Record<string, unknown>;

export class Kubelet implements PodRuntimeSink {
  private readonly running = new Map<string, KubeObject>();
  private readonly stopping = new Set<string>();
  /** Pods the scheduler said it cannot place (said once per pod). */
  private readonly unschedulable = new Set<string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly api: ResourceApi,
    private readonly events: EventRecorder,
    private readonly runtime: PodRuntime,
  ) {}

  reconcile(): void {
    const pods = this.store.list(PODS);
    const present = new Set(pods.map((p) => p.metadata.uid ?? ''));
    for (const [uid, pod] of this.running) if (!present.has(uid)) this.stopPod(pod, false);
    for (const pod of pods) {
      const uid = pod.metadata.uid ?? '';
      if (pod.metadata.deletionTimestamp) this.stopPod(pod, true);
      else if (!(pod.spec as JsonObject).nodeName) this.bind(pod);
      else if (!this.running.has(uid) && !this.stopping.has(uid)) {
        this.running.set(uid, pod);
        this.runtime.start(pod, this);
      }
    }
  }

  report(ref: PodRef, report: PodReport): void {
    const pod = this.current(ref);
    if (!pod) return;
    const ready = report.phase === 'Running' && report.containers.length > 0 && report.containers.every((c) => c.ready);
    const unready = report.containers.filter((c) => !c.ready).map((c) => c.name);
    const previous = ((pod.status as JsonObject | undefined)?.conditions ?? []) as { type: string; status: string; lastTransitionTime?: string }[];
    const condition = (type: string, ok: boolean, reason?: string): JsonObject => {
      const status = ok ? 'True' : 'False';
      const before = previous.find((c) => c.type === type);
      return {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime: before?.status === status ? before.lastTransitionTime : timestamp(),
        ...(reason ? { reason, message: `containers with unready status: [${unready.join(' ')}]` } : {}),
      };
    };
    const startTime = ((pod.status as JsonObject | undefined)?.startTime as string | undefined) ?? timestamp();
    pod.status = {
      phase: report.phase,
      conditions: [
        condition('PodReadyToStartContainers', report.podIP !== undefined),
        condition('Initialized', true),
        condition('Ready', ready, ready ? undefined : 'ContainersNotReady'),
        condition('ContainersReady', ready, ready ? undefined : 'ContainersNotReady'),
        condition('PodScheduled', true),
      ],
      hostIP: HOST_IP,
      hostIPs: [{ ip: HOST_IP }],
      ...(report.podIP ? { podIP: report.podIP, podIPs: [{ ip: report.podIP }] } : {}),
      startTime,
      containerStatuses: report.containers.map((c) => ({ ...c, started: 'running' in c.state, lastState: c.lastState ?? {} })),
      qosClass: 'BestEffort',
    };
    this.api.replace({ type: PODS, namespace: ref.namespace, name: ref.name, subresource: 'status' }, JSON.stringify(pod), { manager: 'kubelet' });
  }

  event(ref: PodRef, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const pod = this.current(ref) ?? this.running.get(ref.uid);
    if (pod) this.events.record(pod, type, reason, message, 'kubelet');
  }

  private current(ref: PodRef): KubeObject | undefined {
    const pod = this.store.get(PODS, ref.namespace, ref.name);
    return pod && pod.metadata.uid === ref.uid && !pod.metadata.deletionTimestamp ? pod : undefined;
  }

  private bind(pod: KubeObject): void {
    // The scheduler places a pod only once the claims it mounts exist and are not being deleted.
    const unusable = claimNamesOf(pod).find((name) => !this.store.get(CLAIMS, pod.metadata.namespace, name) || this.store.get(CLAIMS, pod.metadata.namespace, name)?.metadata.deletionTimestamp);
    if (unusable !== undefined) {
      if (!this.unschedulable.has(pod.metadata.uid ?? '')) {
        this.unschedulable.add(pod.metadata.uid ?? '');
        this.events.record(pod, 'Warning', 'FailedScheduling', `0/1 nodes are available: persistentvolumeclaim "${unusable}" not found or being deleted.`, 'default-scheduler');
      }
      return;
    }
    this.unschedulable.delete(pod.metadata.uid ?? '');
    pod.spec = { ...(pod.spec as JsonObject), nodeName: NODE_NAME };
    this.store.update(PODS, pod);
    this.events.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${NODE_NAME}`, 'default-scheduler');
  }

  private stopPod(pod: KubeObject, thenRemove: boolean): void {
    const uid = pod.metadata.uid ?? '';
    if (this.stopping.has(uid)) return;
    this.stopping.add(uid);
    const wasRunning = this.running.delete(uid);
    if (wasRunning) for (const c of ((pod.spec as JsonObject).containers ?? []) as JsonObject[]) this.event(refOf(pod), 'Normal', 'Killing', `Stopping container ${String(c.name)}`);
    const stopped = wasRunning ? this.runtime.stop(pod) : Promise.resolve();
    void stopped
      .catch(() => undefined)
      .then(() => {
        const fresh = this.store.get(PODS, pod.metadata.namespace, pod.metadata.name);
        if (thenRemove && fresh?.metadata.uid === uid) this.store.delete(PODS, pod.metadata.namespace, pod.metadata.name);
        this.stopping.delete(uid);
      });
  }
}
