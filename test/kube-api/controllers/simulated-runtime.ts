/**
 * Simulated pods: by default every container is running and ready as soon as the pod starts
 * (as if its readiness probe passed at once), on a pod IP from 10.244.0.0/16; logs are one line
 * per container start. A test can choose another outcome per container (never ready, crash
 * loop, image pull failure) to see how a client reports it.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { KubeObject } from '../store.js';
import type { LogOptions } from '../http-server.js';
import { refOf, timestamp, type ContainerReport, type ContainerUsage, type PodRuntime, type PodRuntimeSink } from './pod-runtime.js';

type JsonObject = Record<string, unknown>;

/** What a simulated container does. */
export type SimulatedOutcome =
  | { readonly kind: 'ready' }
  | { readonly kind: 'unready' }
  | { readonly kind: 'crash-loop'; readonly exitCode: number; readonly reason?: 'Error' | 'OOMKilled' }
  | { readonly kind: 'image-pull-error'; readonly message: string };

export type SimulatedBehaviour = (pod: KubeObject, container: { readonly name: string; readonly image: string }) => SimulatedOutcome;

const alwaysReady: SimulatedBehaviour = () => ({ kind: 'ready' });

function containerState(outcome: SimulatedOutcome, image: string, startedAt: string): Pick<ContainerReport, 'ready' | 'restartCount' | 'state' | 'lastState'> {
  switch (outcome.kind) {
    case 'ready':
    case 'unready':
      return { ready: outcome.kind === 'ready', restartCount: 0, state: { running: { startedAt } } };
    case 'crash-loop':
      return {
        ready: false,
        restartCount: 1,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' } },
        lastState: { terminated: { exitCode: outcome.exitCode, reason: outcome.reason ?? 'Error', startedAt, finishedAt: startedAt } },
      };
    case 'image-pull-error':
      return { ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ${outcome.message}` } } };
  }
}

const imageIdOf = (image: string): string =>
  image.includes('@') ? image : `${image.split(':')[0]}@sha256:${createHash('sha256').update(image).digest('hex')}`;

/** What metrics.k8s.io reports for every simulated container: 1 millicore, 16 MiB. */
export const SIMULATED_USAGE = { cpuCores: 0.001, memoryBytes: 16 * 1024 * 1024, windowSeconds: 10 } as const;

export class SimulatedRuntime implements PodRuntime {
  private nextIp = 2;
  /** Each container's lines, and its followers with whether each asked for timestamps. */
  private readonly output = new Map<string, { lines: LoggedLine[]; followers: Map<PassThrough, boolean> }>();

  constructor(public behaviour: SimulatedBehaviour = alwaysReady) {}

  start(pod: KubeObject, sink: PodRuntimeSink): void {
    const ref = refOf(pod);
    const containers = ((pod.spec as JsonObject).containers ?? []) as JsonObject[];
    const startedAt = timestamp();
    const outcomes = containers.map((c) => this.behaviour(pod, { name: String(c.name), image: String(c.image) }));
    containers.forEach((c, i) => {
      const outcome = outcomes[i] as SimulatedOutcome;
      if (outcome.kind === 'image-pull-error') {
        sink.event(ref, 'Warning', 'Failed', `Failed to pull image "${String(c.image)}": ${outcome.message}`);
        return;
      }
      sink.event(ref, 'Normal', 'Pulled', `Container image "${String(c.image)}" already present on machine`);
      sink.event(ref, 'Normal', 'Created', `Created container ${String(c.name)}`);
      sink.event(ref, 'Normal', 'Started', `Started container ${String(c.name)}`);
      this.append(pod, String(c.name), `simulated container ${String(c.name)} started from ${String(c.image)}`);
      if (outcome.kind === 'crash-loop') sink.event(ref, 'Warning', 'BackOff', `Back-off restarting failed container ${String(c.name)} in pod ${pod.metadata.name}_${ref.namespace}(${ref.uid})`);
    });
    const ip = this.nextIp++;
    sink.report(ref, {
      phase: outcomes.some((o) => o.kind === 'image-pull-error') ? 'Pending' : 'Running',
      podIP: `10.244.${Math.floor(ip / 250)}.${ip % 250}`,
      containers: containers.map((c, i) => ({
        name: String(c.name),
        image: String(c.image),
        imageID: imageIdOf(String(c.image)),
        containerID: `containerd://${createHash('sha256').update(`${ref.uid}/${String(c.name)}`).digest('hex')}`,
        ...containerState(outcomes[i] as SimulatedOutcome, String(c.image), startedAt),
      })),
    });
  }

  async stop(pod: KubeObject): Promise<void> {
    for (const [key, log] of this.output) {
      if (!key.startsWith(`${pod.metadata.uid}/`)) continue;
      for (const f of log.followers.keys()) f.end();
      this.output.delete(key);
    }
  }

  logs(pod: KubeObject, options: LogOptions): Readable {
    const log = this.output.get(`${pod.metadata.uid}/${options.container ?? ''}`) ?? { lines: [], followers: new Map<PassThrough, boolean>() };
    const since = options.since;
    const kept = since === undefined ? log.lines : log.lines.filter((line) => line.at >= since);
    const lines = (options.tailLines === undefined ? kept : kept.slice(-options.tailLines)).map((line) => logText(line, options.timestamps));
    if (!options.follow) return Readable.from(lines);
    const stream = new PassThrough();
    for (const l of lines) stream.write(l);
    log.followers.set(stream, options.timestamps);
    stream.on('close', () => log.followers.delete(stream));
    return stream;
  }

  /** Fixed small values: a simulated container does no work. */
  async usage(pod: KubeObject): Promise<readonly ContainerUsage[]> {
    const containers = ((pod.spec as JsonObject).containers ?? []) as JsonObject[];
    return containers.map((c) => ({ name: String(c.name), ...SIMULATED_USAGE }));
  }

  async close(): Promise<void> {
    for (const log of this.output.values()) for (const f of log.followers.keys()) f.end();
    this.output.clear();
  }

  private append(pod: KubeObject, container: string, line: string): void {
    const key = `${pod.metadata.uid}/${container}`;
    const log = this.output.get(key) ?? { lines: [], followers: new Map<PassThrough, boolean>() };
    this.output.set(key, log);
    const logged = { at: Date.now(), text: line };
    log.lines.push(logged);
    for (const [f, timestamps] of log.followers) f.write(logText(logged, timestamps));
  }
}

interface LoggedLine {
  readonly at: number;
  readonly text: string;
}

/** As the kubelet writes it: with timestamps, the RFC 3339 time in nanoseconds and a space first. */
function logText(line: LoggedLine, timestamps: boolean): string {
  return timestamps ? `${new Date(line.at).toISOString().replace('Z', '000000Z')} ${line.text}\n` : `${line.text}\n`;
}
