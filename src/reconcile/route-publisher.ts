/**
 * Publishes the routing table to the router, coalescing bursts: callers get a promise that
 * settles once a table built after their call reached the router (or publishing failed, which is
 * logged: the router keeps its last table). Versions continue from the one the router routes with,
 * asked before the first publish and after a failed one: the router refuses older tables, and
 * versions must not depend on the wall clock.
 */
import type { Logger } from 'pino';
import type { RouteTable } from '../core/route-table.js';
import { wakeStep } from '../core/wake-trace.js';

export interface RoutePublisherDeps {
  readonly build: (version: number) => RouteTable;
  readonly send: (table: RouteTable) => Promise<void>;
  readonly logger: Logger;
  /** The version the data plane routes with now; null when it does not answer. */
  readonly currentVersion: () => Promise<number | null>;
}

export class RoutePublisher {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private version = 0;
  private synced = false;

  constructor(private readonly deps: RoutePublisherDeps) {}

  /** The version of the last table sent (0 before the first). */
  get lastVersion(): number {
    return this.version;
  }

  request(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.chain
      .then(() => {
        this.queued = null;
        return this.publishNow();
      })
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'publishing the routing table failed; the router keeps its last table');
      });
    this.queued = next;
    this.chain = next;
    return next;
  }

  private async publishNow(): Promise<void> {
    if (!this.synced) {
      this.version = Math.max(this.version, (await this.deps.currentVersion()) ?? 0);
      this.synced = true;
    }
    this.version += 1;
    try {
      const table = this.deps.build(this.version);
      wakeStep('control.table-sent');
      await this.deps.send(table);
    } catch (error) {
      this.synced = false;
      throw error;
    }
  }
}
