/**
 * The kubernetes provider's instances' output for the log collector: each pod of a release whose
 * container has started is followed through pods/log (with times, so a dropped connection resumes
 * from the last line: log-cursor.ts) into a file of its own, listed as the pod's log source like a
 * local instance's output file. New pods are followed as they start; a deleted pod's follow ends,
 * and its file is kept a while for the collector to read its last lines.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../../../core/clock.js';
import { sleep } from '../../../core/clock.js';
import type { LogSource } from '../../../reconcile/provider.js';
import type { KubeClient } from '../client/index.js';
import { podRelease, podService, type Pod } from '../provider/pod-instance.js';
import { parseTimestamped, sinceTimeOf, unseenSince } from './log-cursor.js';
import { PodLogFile } from './pod-log-file.js';

export interface PodLogFollowersOptions {
  readonly client: KubeClient;
  readonly environment: string;
  /** Where the pods' log files are kept. */
  readonly dir: string;
  readonly clock: Clock;
  /** The first wait before following a log again after its stream ended (1 s); it doubles while nothing new comes, up to 16 s. */
  readonly retryMs?: number;
  /** How long a deleted pod's file stays listed for the collector (30 s). */
  readonly keepMs?: number;
}

interface Followed {
  readonly source: LogSource;
  readonly stop: AbortController;
  done: Promise<void>;
  /** When the pod was gone; null while it is followed. */
  goneAt: number | null;
  file: PodLogFile | null;
}

/** A pod whose container has started at least once has a log to read. */
function hasLog(pod: Pod): boolean {
  return (pod.status?.containerStatuses ?? []).some((status) => status.state?.running || status.state?.terminated || status.lastState?.terminated);
}

export class PodLogFollowers {
  private readonly followed = new Map<string, Followed>();

  constructor(private readonly options: PodLogFollowersOptions) {}

  /** Follows the pods of `pods` that have a log and are not followed yet; ends the follows of pods no longer there. */
  sync(pods: readonly Pod[]): void {
    const present = new Set(pods.map((pod) => pod.metadata.name));
    const now = this.options.clock.now();
    for (const [name, followed] of this.followed) {
      if (followed.goneAt !== null && now - followed.goneAt >= (this.options.keepMs ?? 30_000)) {
        this.followed.delete(name);
        void followed.done.then(() => followed.file?.remove());
      } else if (followed.goneAt === null && !present.has(name)) {
        followed.goneAt = now;
        followed.stop.abort();
      }
    }
    for (const pod of pods) {
      if (!this.followed.has(pod.metadata.name) && hasLog(pod)) this.follow(pod);
    }
  }

  /** The followed pods' files, and the deleted pods' for a while. */
  sources(): readonly LogSource[] {
    return [...this.followed.values()].map((followed) => followed.source);
  }

  /** Ends every follow (their cursors stay, so the next control plane goes on from them). */
  async stop(): Promise<void> {
    for (const followed of this.followed.values()) followed.stop.abort();
    await Promise.all([...this.followed.values()].map((followed) => followed.done));
  }

  private follow(pod: Pod): void {
    const name = pod.metadata.name;
    const { environment, dir } = this.options;
    const source: LogSource = { id: name, environment, service: podService(pod), release: podRelease(pod), logPath: path.join(dir, `${name}.log`) };
    const stop = new AbortController();
    const followed: Followed = { source, stop, goneAt: null, file: null, done: Promise.resolve() };
    const container = pod.spec?.containers[0]?.name;
    followed.done = this.read(followed, container).catch(() => undefined);
    this.followed.set(name, followed);
  }

  /** Follows the pod's log into its file until the follow is stopped, connecting again after each end. */
  private async read(followed: Followed, container: string | undefined): Promise<void> {
    const { signal } = followed.stop;
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    const file = await PodLogFile.open(followed.source.logPath);
    followed.file = file;
    const firstRetry = this.options.retryMs ?? 1000;
    let retry = firstRetry;
    while (!signal.aborted) {
      const from = file.cursor;
      const unseen = unseenSince(from);
      try {
        const lines = this.options.client.podLogs(followed.source.id, {
          follow: true,
          timestamps: true,
          ...(container ? { container } : {}),
          ...(from ? { sinceTime: sinceTimeOf(from) } : {}),
          signal,
        });
        for await (const raw of lines) {
          const line = parseTimestamped(raw);
          if (line && unseen(line)) file.add(line);
        }
      } catch {
        // Not started yet, restarting, the API server away: the loop tries again.
      }
      await file.flushed();
      retry = file.cursor === from ? Math.min(retry * 2, 16 * firstRetry) : firstRetry;
      await sleep(retry, signal);
    }
  }
}
