/**
 * The requests Skiff's routers in the cluster hold for services at zero instances, gathered for
 * the control plane's autoscaler: one long poll of GET /wake per ready router replica, each asked
 * again as soon as it answers, into one queue the provider's `wakeRequests` takes from. A poll per
 * replica rather than one round over all: a replica that answers at once is not kept waiting for
 * the others' 20 s. The replicas are looked up again every few seconds (a replaced router pod is
 * polled once it is ready); a replica that fails is asked again after a second.
 */
import { sleep } from '../../../core/clock.js';
import { WakeQueue } from '../../../core/wake-queue.js';
import type { RouterAdmin } from './cluster-routers.js';

/** What the pollers need of the routers (ClusterRouters). */
export interface WakeSource {
  replicas(): Promise<readonly RouterAdmin[]>;
  wakes(admin: RouterAdmin, waitMs: number, signal: AbortSignal): Promise<readonly string[]>;
}

/** How long a router keeps one poll open without news (the admin API allows up to 60 s). */
const pollMs = 20_000;
const lookupEveryMs = 5_000;
const retryMs = 1_000;
/** How long `take` waits before it resolves with [] (its caller asks again at once). */
const takeMs = 30_000;

export class RouterWakes {
  private readonly queue = new WakeQueue();
  private readonly polls = new Map<string, AbortController>();
  private readonly stopped = new AbortController();
  private started = false;

  constructor(private readonly source: WakeSource) {}

  /** The services a router holds requests for, as soon as there are any; [] after a while or when `signal` aborts. */
  take(signal: AbortSignal): Promise<readonly string[]> {
    if (!this.started) {
      this.started = true;
      void this.follow();
    }
    return this.queue.take(takeMs, signal);
  }

  close(): void {
    this.stopped.abort();
    this.queue.close();
  }

  private async follow(): Promise<void> {
    const { signal } = this.stopped;
    while (!signal.aborted) {
      const replicas = await this.source.replicas().catch(() => null);
      if (replicas !== null) {
        const names = new Set(replicas.map((replica) => replica.name));
        for (const [name, poll] of this.polls) {
          if (names.has(name)) continue;
          poll.abort();
          this.polls.delete(name);
        }
        for (const replica of replicas) if (!this.polls.has(replica.name)) this.poll(replica);
      }
      await sleep(lookupEveryMs, signal);
    }
    for (const poll of this.polls.values()) poll.abort();
  }

  private poll(replica: RouterAdmin): void {
    const poll = new AbortController();
    this.polls.set(replica.name, poll);
    const signal = AbortSignal.any([poll.signal, this.stopped.signal]);
    void (async () => {
      while (!signal.aborted) {
        try {
          for (const service of await this.source.wakes(replica, pollMs, signal)) this.queue.add(service);
        } catch {
          // A replica going away (the lookup stops its poll) or the API server away for a while: ask again.
          await sleep(retryMs, signal);
        }
      }
    })();
  }
}
