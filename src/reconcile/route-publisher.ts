/**
 * Publishes the routing table to the router, coalescing bursts: callers get a promise that
 * settles once a table built after their call reached the router.
 */
import type { Logger } from 'pino';
import type { RouteTable } from '../core/route-table.js';

export interface RoutePublisherDeps {
  readonly build: (version: number) => RouteTable;
  readonly send: (table: RouteTable) => Promise<void>;
  readonly logger: Logger;
}

export class RoutePublisher {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private version = 0;

  constructor(private readonly deps: RoutePublisherDeps) {}

  /** The version of the last table sent (0 before the first). */
  get lastVersion(): number {
    return this.version;
  }

  /**
   * Continues from the version the data plane already routes with (it refuses older tables), so
   * versions keep growing across control-plane restarts whatever the wall clock does.
   */
  continueFrom(version: number): void {
    this.version = Math.max(this.version, version);
  }

  request(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.chain.then(() => {
      this.queued = null;
      return this.publishNow();
    });
    this.queued = next;
    this.chain = next.catch(() => undefined);
    return next.catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'publishing the routing table failed; the router keeps its last table');
    });
  }

  private async publishNow(): Promise<void> {
    this.version += 1;
    await this.deps.send(this.deps.build(this.version));
  }
}
