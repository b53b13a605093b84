/**
 * Simulated pods: every container is running and ready as soon as the pod starts (as if its
 * readiness probe passed at once), on a pod IP from 10.244.0.0/16; logs are one line per
 * container start.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { KubeObject } from '../store.js';
import { refOf, timestamp, type PodRuntime, type PodRuntimeSink } from './pod-runtime.js';

type JsonObject = Record<string, unknown>;

const imageIdOf = (image: string): string =>
  image.includes('@') ? image : `${image.split(':')[0]}@sha256:${createHash('sha256').update(image).digest('hex')}`;

export class SimulatedRuntime implements PodRuntime {
  private nextIp = 2;
  private readonly output = new Map<string, { lines: string[]; followers: Set<PassThrough> }>();

  start(pod: KubeObject, sink: PodRuntimeSink): void {
    const ref = refOf(pod);
    const containers = ((pod.spec as JsonObject).containers ?? []) as JsonObject[];
    const startedAt = timestamp();
    for (const c of containers) {
      sink.event(ref, 'Normal', 'Pulled', `Container image "${String(c.image)}" already present on machine`);
      sink.event(ref, 'Normal', 'Created', `Created container ${String(c.name)}`);
      sink.event(ref, 'Normal', 'Started', `Started container ${String(c.name)}`);
      this.append(pod, String(c.name), `simulated container ${String(c.name)} started from ${String(c.image)}`);
    }
    const ip = this.nextIp++;
    sink.report(ref, {
      phase: 'Running',
      podIP: `10.244.${Math.floor(ip / 250)}.${ip % 250}`,
      containers: containers.map((c) => ({
        name: String(c.name),
        image: String(c.image),
        imageID: imageIdOf(String(c.image)),
        containerID: `containerd://${createHash('sha256').update(`${ref.uid}/${String(c.name)}`).digest('hex')}`,
        ready: true,
        restartCount: 0,
        state: { running: { startedAt } },
      })),
    });
  }

  async stop(pod: KubeObject): Promise<void> {
    for (const [key, log] of this.output) {
      if (!key.startsWith(`${pod.metadata.uid}/`)) continue;
      for (const f of log.followers) f.end();
      this.output.delete(key);
    }
  }

  logs(pod: KubeObject, options: { readonly container?: string; readonly follow: boolean; readonly tailLines?: number }): Readable {
    const log = this.output.get(`${pod.metadata.uid}/${options.container ?? ''}`) ?? { lines: [], followers: new Set<PassThrough>() };
    const lines = options.tailLines === undefined ? log.lines : log.lines.slice(-options.tailLines);
    if (!options.follow) return Readable.from(lines.map((l) => `${l}\n`));
    const stream = new PassThrough();
    for (const l of lines) stream.write(`${l}\n`);
    log.followers.add(stream);
    stream.on('close', () => log.followers.delete(stream));
    return stream;
  }

  async close(): Promise<void> {
    for (const log of this.output.values()) for (const f of log.followers) f.end();
    this.output.clear();
  }

  private append(pod: KubeObject, container: string, line: string): void {
    const key = `${pod.metadata.uid}/${container}`;
    const log = this.output.get(key) ?? { lines: [], followers: new Set<PassThrough>() };
    this.output.set(key, log);
    log.lines.push(line);
    for (const f of log.followers) f.write(`${line}\n`);
  }
}
