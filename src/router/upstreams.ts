/**
 * One undici Pool per backend address, kept alive across table updates while the address stays
 * in the table; pools of addresses that left the table close after their in-flight requests.
 * Upstreams that left the table stay known until nothing is in flight to them, so a drain can
 * wait for their last requests and connections.
 */
import { Pool } from 'undici';
import type { RouteTable } from '../core/route-table.js';
import type { LoadCounter } from './balancer.js';
import type { SocketPool } from './fast-path/socket-pool.js';

export interface UpstreamOptions {
  readonly connectTimeoutMs: number;
}

export class Upstream implements LoadCounter {
  readonly key: string;
  private readonly connectTimeoutMs: number;
  private created: Pool | undefined = undefined;
  /** The fast path's raw keep-alive connections to this address, created on first use. */
  sockets: SocketPool | undefined = undefined;
  inFlight = 0;
  /** Upgraded (WebSocket) connections open to this address; not part of the balancing load. */
  upgraded = 0;
  /** Pools closing after a retire or a drain, until their requests finished and sockets closed. */
  closingPools = 0;
  /** Outlier detection: failures in a row, and the ejection they caused. */
  consecutiveFailures = 0;
  ejectedUntil = 0;
  ejections = 0;

  constructor(key: string, options: UpstreamOptions) {
    this.key = key;
    this.connectTimeoutMs = options.connectTimeoutMs;
  }

  /** Created on first use: a table may name thousands of instances this worker never calls. */
  get pool(): Pool {
    this.created ??= new Pool(`http://${this.key}`, {
      // Per-request first-byte and idle timeouts come with each dispatch (they are per route).
      headersTimeout: 0,
      bodyTimeout: 0,
      connectTimeout: this.connectTimeoutMs,
      keepAliveTimeout: 4_000,
    });
    return this.created;
  }

  get poolCreated(): Pool | undefined {
    return this.created;
  }

  /** Detaches the pool so it can close; the next use creates a fresh one. */
  detachPool(): Pool | undefined {
    const pool = this.created;
    this.created = undefined;
    return pool;
  }

  /** Requests (and copies) plus upgraded connections still open to this address. */
  get busy(): number {
    return this.inFlight + this.upgraded;
  }

  succeeded(): void {
    if (this.consecutiveFailures !== 0) this.consecutiveFailures = 0;
    if (this.ejections !== 0 && this.ejectedUntil <= Date.now()) this.ejections = 0;
  }

  /**
   * Counts a failure; ejects after `threshold` in a row. After the ejection time the upstream is
   * probed with live requests: one more failure ejects it again, for twice as long.
   */
  failed(nowMs: number, threshold: number, ejectionMs: number): boolean {
    this.consecutiveFailures++;
    if (threshold <= 0 || this.ejectedUntil > nowMs) return false;
    const probing = this.ejections > 0;
    if (!probing && this.consecutiveFailures < threshold) return false;
    this.ejectedUntil = nowMs + ejectionMs * 2 ** Math.min(this.ejections, 10);
    this.ejections++;
    return true;
  }
}

export function upstreamKey(backend: { readonly host: string; readonly port: number }): string {
  return backend.host.includes(':') && !backend.host.startsWith('[')
    ? `[${backend.host}]:${backend.port}`
    : `${backend.host}:${backend.port}`;
}

export class UpstreamSet {
  private current = new Map<string, Upstream>();
  /** Pools of addresses that left the table, still finishing their requests. */
  private readonly retired = new Map<Pool, Promise<void>>();
  /** Upstreams that left the table with work still in flight or a pool still closing. */
  private readonly leaving = new Set<Upstream>();
  private readonly options: UpstreamOptions;

  constructor(options: UpstreamOptions) {
    this.options = options;
  }

  /**
   * The upstreams for `table`, reusing existing pools; retires the ones the table no longer names.
   * A new pool takes the connect timeout of the first route naming its address.
   */
  replace(table: RouteTable): ReadonlyMap<string, Upstream> {
    const next = new Map<string, Upstream>();
    for (const route of table.routes) {
      const connectTimeoutMs = route.timeouts?.connectMs ?? this.options.connectTimeoutMs;
      for (const backend of route.backends) {
        const key = upstreamKey(backend);
        if (next.has(key)) continue;
        next.set(key, this.current.get(key) ?? new Upstream(key, { connectTimeoutMs }));
      }
    }
    for (const [key, upstream] of this.current) {
      if (!next.has(key)) this.retire(upstream);
    }
    this.current = next;
    this.prune();
    return next;
  }

  /**
   * Closes the current pools of `keys` (idle keep-alive connections at once, busy ones after their
   * request) so an instance about to be signalled has no connection the router could reuse.
   */
  recycle(keys: ReadonlySet<string>): void {
    for (const key of keys) {
      const upstream = this.current.get(key);
      if (upstream === undefined) continue;
      upstream.sockets?.retire();
      upstream.sockets = undefined;
      const pool = upstream.detachPool();
      if (pool !== undefined) this.closePool(upstream, pool);
    }
  }

  /** Requests and connections still open to `keys`, and whether a pool of theirs is still closing. */
  pending(keys: ReadonlySet<string>): { readonly busy: number; readonly closing: boolean } {
    this.prune();
    let busy = 0;
    let closing = false;
    const count = (upstream: Upstream): void => {
      if (!keys.has(upstream.key)) return;
      busy += upstream.busy;
      closing ||= upstream.closingPools > 0;
    };
    for (const upstream of this.current.values()) count(upstream);
    for (const upstream of this.leaving) count(upstream);
    return { busy, closing };
  }

  private prune(): void {
    for (const upstream of this.leaving) {
      if (upstream.busy === 0 && upstream.closingPools === 0) this.leaving.delete(upstream);
    }
  }

  /** Closes every pool: gracefully within `graceMs`, then by force. */
  async closeAll(graceMs: number): Promise<void> {
    for (const upstream of this.current.values()) this.retire(upstream);
    this.current = new Map();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    const outcome = await Promise.race([Promise.all(this.retired.values()).then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late') await Promise.all([...this.retired.keys()].map((pool) => pool.destroy().catch(() => {})));
  }

  private retire(upstream: Upstream): void {
    upstream.sockets?.retire();
    const pool = upstream.poolCreated;
    if (upstream.busy > 0 || upstream.closingPools > 0 || pool !== undefined) this.leaving.add(upstream);
    if (pool === undefined) return;
    this.closePool(upstream, pool);
  }

  private closePool(upstream: Upstream, pool: Pool): void {
    upstream.closingPools++;
    // Pool.close() waits for queued and running requests, so in-flight answers still complete.
    const done = pool
      .close()
      .catch(() => {})
      .finally(() => {
        upstream.closingPools--;
        this.retired.delete(pool);
      });
    this.retired.set(pool, done);
  }
}
