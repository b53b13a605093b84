/**
 * The Job controller, for Jobs of one pod at a time (completions and parallelism 1, as Skiff
 * writes them): the selector the API server gives a new Job (its uid), a pod from the template
 * (labelled `batch.kubernetes.io/job-name` and `controller-uid`, owned by the Job), a new one after each failure up to `backoffLimit`, and the
 * status kubectl and Skiff read: `active`, `succeeded`, `failed`, `startTime`, `completionTime`,
 * and the `Complete` or `Failed` (BackoffLimitExceeded) condition.
 */
import type { ResourceApi } from '../resource-api.js';
import { typeOfKind } from '../resources.js';
import { randomSuffix, type KubeObject, type ObjectStore } from '../store.js';
import type { EventRecorder } from './event-recorder.js';
import { controllerRef, isOwnedBy } from './pod-facts.js';
import { timestamp } from './pod-runtime.js';

const JOBS = typeOfKind('Job');
const PODS = typeOfKind('Pod');
const MANAGER = 'kube-controller-manager';

type JsonObject = Record<string, unknown>;

const phaseOf = (pod: KubeObject): unknown => (pod.status as JsonObject | undefined)?.phase;

export class JobController {
  constructor(
    private readonly store: ObjectStore,
    private readonly api: ResourceApi,
    private readonly events: EventRecorder,
  ) {}

  reconcile(): void {
    for (const job of this.store.list(JOBS)) if (!job.metadata.deletionTimestamp) this.sync((job.spec as JsonObject).selector ? job : this.select(job));
  }

  /** What the API server adds to a new Job: a selector of its own pods by its uid, and those labels on its template. */
  private select(job: KubeObject): KubeObject {
    const uid = job.metadata.uid ?? '';
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': job.metadata.name, 'controller-uid': uid, 'job-name': job.metadata.name };
    const spec = job.spec as JsonObject;
    const template = (spec.template ?? {}) as JsonObject;
    const meta = (template.metadata ?? {}) as { labels?: Record<string, string> };
    const next = { ...job, spec: { ...spec, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } }, template: { ...template, metadata: { ...meta, labels: { ...meta.labels, ...labels } } } } };
    return this.api.replace({ type: JOBS, namespace: job.metadata.namespace, name: job.metadata.name }, JSON.stringify(next), { manager: 'kube-apiserver' });
  }

  private sync(job: KubeObject): void {
    const status = (job.status ?? {}) as JsonObject;
    const conditions = (status.conditions ?? []) as { type: string; status: string }[];
    if (conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) return;
    const pods = this.store.list(PODS, job.metadata.namespace).filter((pod) => isOwnedBy(pod, job));
    const succeeded = pods.filter((pod) => phaseOf(pod) === 'Succeeded').length;
    const failed = pods.filter((pod) => phaseOf(pod) === 'Failed').length;
    const active = pods.filter((pod) => !pod.metadata.deletionTimestamp && phaseOf(pod) !== 'Succeeded' && phaseOf(pod) !== 'Failed');
    const backoffLimit = Number((job.spec as JsonObject).backoffLimit ?? 6);
    const now = timestamp();
    const next: JsonObject = { startTime: status.startTime ?? now, active: active.length, ready: 0, succeeded, failed, terminating: 0, uncountedTerminatedPods: {} };
    if (succeeded > 0) {
      next.active = 0;
      next.completionTime = now;
      next.conditions = [
        { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: now, lastTransitionTime: now },
        { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: now, lastTransitionTime: now },
      ];
      this.events.record(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
    } else if (failed > backoffLimit) {
      next.conditions = [
        { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: now, lastTransitionTime: now },
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: now, lastTransitionTime: now },
      ];
      this.events.record(job, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', 'job-controller');
    } else if (active.length === 0) {
      const pod = this.createPod(job);
      next.active = 1;
      this.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'job-controller');
    }
    const { startTime: _start, ...comparable } = next;
    const { startTime: _before, ...previous } = status;
    if (status.startTime !== undefined && JSON.stringify(comparable) === JSON.stringify(previous)) return;
    const fresh = this.store.get(JOBS, job.metadata.namespace, job.metadata.name);
    if (!fresh) return;
    this.api.replace({ type: JOBS, namespace: job.metadata.namespace, name: job.metadata.name, subresource: 'status' }, JSON.stringify({ ...fresh, status: next }), { manager: MANAGER });
  }

  private createPod(job: KubeObject): KubeObject {
    const template = ((job.spec as JsonObject).template ?? {}) as JsonObject;
    const meta = (template.metadata ?? {}) as JsonObject;
    return this.api.createObject(
      PODS,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...meta, name: `${job.metadata.name}-${randomSuffix()}`, namespace: job.metadata.namespace, ownerReferences: [controllerRef(job)] },
        spec: structuredClone(template.spec ?? {}),
      },
      MANAGER,
    );
  }
}
