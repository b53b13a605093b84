/**
 * Runs the controllers: one pass over all of them after every change in the store (coalesced),
 * and a periodic resync for what depends on time (progress deadlines). A pass is synchronous, so
 * the controllers never see each other half-done.
 */
import type { ResourceApi } from '../resource-api.js';
import type { ObjectStore } from '../store.js';
import { DeploymentController } from './deployment-controller.js';
import { EndpointSliceController } from './endpoint-slice-controller.js';
import { EventRecorder } from './event-recorder.js';
import { GarbageCollector } from './garbage-collector.js';
import { Kubelet } from './kubelet.js';
import type { PodRuntime } from './pod-runtime.js';
import { JobController } from './job-controller.js';
import { ReplicaSetController } from './replica-set-controller.js';
import { VolumeClaimController } from './volume-claim-controller.js';

const RESYNC_MS = 1000;

export class ControllerManager {
  private readonly controllers: { reconcile(): void }[];
  private scheduled = false;
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly resync: NodeJS.Timeout;
  /** The last failure of a pass, for a test to inspect; a pass that throws is retried at the next change. */
  lastError: unknown;

  /** `extra` run after the built-in controllers in each pass (docker mode's node ports). */
  constructor(store: ObjectStore, api: ResourceApi, runtime: PodRuntime, extra: readonly { reconcile(): void }[] = []) {
    const events = new EventRecorder(store, api);
    this.controllers = [
      new GarbageCollector(store, api),
      new DeploymentController(store, api, events),
      new ReplicaSetController(store, api, events),
      new JobController(store, api, events),
      new VolumeClaimController(store, api, (uid) => runtime.claimGone?.(uid)),
      new Kubelet(store, api, events, runtime),
      new EndpointSliceController(store, api),
      ...extra,
    ];
    this.unsubscribe = store.subscribe(() => this.schedule());
    this.resync = setInterval(() => this.schedule(), RESYNC_MS);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    clearInterval(this.resync);
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped) return;
      for (const controller of this.controllers) {
        try {
          controller.reconcile();
        } catch (error) {
          this.lastError = error;
        }
      }
    });
  }
}
