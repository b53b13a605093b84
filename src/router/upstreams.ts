/**
 * One undici Pool per backend address, kept alive across table updates while the address stays
 * in the table; pools of addresses that left the table close after their in-flight requests.
 */
import { Pool } from 'undici';
import type { RouteTable } from '../core/route-table.js';
import type { LoadCounter } from './balancer.js';

export interface UpstreamOptions {
  /** Per-request budget for the answer's headers and for each gap between body chunks. */
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
}

export class Upstream implements LoadCounter {
  readonly key: string;
  readonly pool: Pool;
  inFlight = 0;

  constructor(key: string, options: UpstreamOptions) {
    this.key = key;
    this.pool = new Pool(`http://${key}`, {
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: options.connectTimeoutMs,
      keepAliveTimeout: 4_000,
    });
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

  /** The upstreams for `table`, reusing existing pools; retires the ones the table no longer names. */
  replace(table: RouteTable): ReadonlyMap<string, Upstream> {
    const next = new Map<string, Upstream>();
    for (const route of table.routes) {
      for (const backend of route.backends) {
        const key = upstreamKey(backend);
        if (next.has(key)) continue;
        next.set(key, this.current.get(key) ?? new Upstream(key, this.options));
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
    const pool = upstream.pool;
    // Pool.close() waits for queued and running requests, so in-flight answers still complete.
    const done = pool
      .close()
      .catch(() => {})
      .finally(() => this.retired.delete(pool));
    this.retired.set(pool, done);
  }
}
