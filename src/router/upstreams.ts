/**
 * One undici Pool per backend address, kept alive across table updates while the address stays
 * in the table; pools of addresses that left the table close after their in-flight requests.
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
    return next;
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
    if (pool === undefined) return;
    // Pool.close() waits for queued and running requests, so in-flight answers still complete.
    const done = pool
      .close()
      .catch(() => {})
      .finally(() => this.retired.delete(pool));
    this.retired.set(pool, done);
  }
}
