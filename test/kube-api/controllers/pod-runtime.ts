/** The seam between the kubelet and what runs a pod's containers (simulated, or the Docker engine). */
import type { Readable } from 'node:stream';
import type { LogOptions } from '../http-server.js';
import type { KubeObject } from '../store.js';

export type ContainerState =
  | { readonly waiting: { readonly reason: string; readonly message?: string } }
  | { readonly running: { readonly startedAt: string } }
  | { readonly terminated: { readonly exitCode: number; readonly reason: string; readonly message?: string; readonly startedAt?: string; readonly finishedAt: string } };

export interface ContainerReport {
  readonly name: string;
  readonly image: string;
  readonly imageID: string;
  readonly containerID?: string;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly state: ContainerState;
  readonly lastState?: ContainerState;
}

export interface PodReport {
  readonly phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  readonly podIP?: string;
  readonly containers: readonly ContainerReport[];
}

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** How a runtime tells the kubelet what happened to a pod. */
export interface PodRuntimeSink {
  report(pod: PodRef, report: PodReport): void;
  event(pod: PodRef, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** One running container's usage: cores averaged over `windowSeconds` before now, and its working set. */
export interface ContainerUsage {
  readonly name: string;
  readonly cpuCores: number;
  readonly memoryBytes: number;
  readonly windowSeconds: number;
}

export interface PodRuntime {
  /** Starts the pod's containers; progress arrives through `sink`. */
  start(pod: KubeObject, sink: PodRuntimeSink): void;
  /** Stops them within the pod's grace period; resolves when they are gone. */
  stop(pod: KubeObject): Promise<void>;
  logs(pod: KubeObject, options: LogOptions): Readable;
  /** The usage of the pod's running containers, for metrics.k8s.io; [] when none runs. */
  usage(pod: KubeObject): Promise<readonly ContainerUsage[]>;
  /** A PersistentVolumeClaim is gone: the data kept for it goes too (absent: the runtime keeps none). */
  claimGone?(claimUid: string): void;
  close(): Promise<void>;
}

export const refOf = (pod: KubeObject): PodRef => ({ namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name, uid: pod.metadata.uid ?? '' });

export const timestamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
