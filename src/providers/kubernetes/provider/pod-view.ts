/**
 * The provider's view of its pods: an Informer on the environment's pods (by label), what Skiff
 * asked to stop before the cluster shows it, creation order, and a version that grows on every
 * change. Readers get provider-neutral instances.
 */
import type { ObservedInstance } from '../../../core/instance.js';
import { Informer, kubeResources, type InformerEvent, type KubeClient } from '../client/index.js';
import { environmentLabels } from '../manifests/labels.js';
import { releaseObjectName } from '../manifests/names.js';
import { podRelease, podService, podToInstance, releaseLabel, type Pod } from './pod-instance.js';

export function environmentSelector(environment: string): string {
  return Object.entries(environmentLabels(environment))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

export interface PodViewOptions {
  readonly client: KubeClient;
  readonly environment: string;
  /** The config hash of a release's Deployment, by Deployment name. */
  readonly configHash: (deployment: string) => string;
  readonly onChange: (event: InformerEvent<Pod>) => void;
}

export class PodView {
  readonly informer: Informer<Pod>;
  private readonly stopRequested = new Set<string>();
  private readonly ordinals = new Map<string, number>();
  private nextOrdinal = 1;
  private changes = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly options: PodViewOptions) {
    // Pods of a release only: the router's pods carry the environment's labels too, but are no service's instances.
    this.informer = new Informer<Pod>({ client: options.client, type: kubeResources.Pod, labelSelector: `${environmentSelector(options.environment)},${releaseLabel}` });
    this.informer.onEvent((event) => {
      const name = event.object.metadata.name;
      if (event.type === 'added' && !this.ordinals.has(name)) this.ordinals.set(name, this.nextOrdinal++);
      if (event.type === 'deleted') {
        this.stopRequested.delete(name);
        this.ordinals.delete(name);
      }
      this.changed();
      options.onChange(event);
    });
  }

  /**
   * Starts watching; resolves after the first list, rejects with the first error (unreachable,
   * 401, 403, a missing namespace) before it: those need a person, not a retry.
   */
  async start(): Promise<void> {
    let removeProblem: () => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      removeProblem = this.informer.onProblem((problem) => reject(problem.error));
    });
    this.informer.start();
    try {
      await Promise.race([this.informer.synced(), failed]);
      this.orderAdopted();
    } catch (error) {
      await this.informer.stop();
      throw error;
    } finally {
      removeProblem();
    }
  }

  /** Pods an earlier control plane left are numbered in the order they were created, so the newest is stopped first. */
  private orderAdopted(): void {
    const created = (pod: Pod): number => Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
    const pods = this.pods().sort((a, b) => created(a) - created(b) || (this.ordinals.get(a.metadata.name) ?? 0) - (this.ordinals.get(b.metadata.name) ?? 0));
    this.nextOrdinal = 1;
    for (const pod of pods) this.ordinals.set(pod.metadata.name, this.nextOrdinal++);
  }

  stop(): Promise<void> {
    for (const wake of this.waiters) wake();
    return this.informer.stop();
  }

  get version(): number {
    return this.changes;
  }

  pod(id: string): Pod | undefined {
    return this.informer.get(id);
  }

  pods(): Pod[] {
    return this.informer.list();
  }

  /** Marks a pod stopping at once, before the cluster reports it terminating. */
  requestStop(id: string): void {
    this.stopRequested.add(id);
    this.changed();
  }

  /** A stop that could not be made: the pod shows its own state again. */
  cancelStop(id: string): void {
    if (this.stopRequested.delete(id)) this.changed();
  }

  instances(service?: string): ObservedInstance[] {
    const { environment } = this.options;
    return this.pods()
      .filter((pod) => service === undefined || podService(pod) === service)
      .map((pod) =>
        podToInstance(pod, {
          environment,
          configHash: this.options.configHash(releaseObjectName(podService(pod), podRelease(pod))),
          ordinal: this.ordinals.get(pod.metadata.name) ?? 0,
          stopRequested: this.stopRequested.has(pod.metadata.name),
        }),
      )
      .sort((a, b) => a.service.localeCompare(b.service) || a.ordinal - b.ordinal);
  }

  /** Resolves once `check` holds after a change (or at once), false after `timeoutMs`. */
  waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(result);
      };
      const wake = (): void => {
        if (check()) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(wake);
    });
  }

  private changed(): void {
    this.changes += 1;
    for (const wake of [...this.waiters]) wake();
  }
}
