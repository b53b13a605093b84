/**
 * The fast path's keep-alive connections to one instance address. The most recently used idle
 * connection is taken first (it is the least likely to have been closed by the instance); idle
 * connections close after the keep-alive time, and all of them once the address leaves the table.
 */
import { UpstreamConnection, type ConnectionOwner } from './upstream-connection.js';

/** What the pools share: a coarse clock and the set the sweeper walks. */
export interface PoolRegistry {
  /** performance.now() as of the last sweep. */
  readonly now: number;
  readonly pools: Set<SocketPool>;
  fault(err: unknown): void;
}

/** Idle time after which a pooled connection is closed (undici's default, under Node's 5 s server timeout). */
export const defaultKeepAliveMs = 4_000;

export class SocketPool implements ConnectionOwner {
  private readonly idle: UpstreamConnection[] = [];
  private readonly host: string;
  private readonly port: number;
  private retired = false;
  /** Connections opened, for tests and diagnostics. */
  opened = 0;

  constructor(
    key: string,
    private readonly registry: PoolRegistry,
    private readonly keepAliveMs = defaultKeepAliveMs,
  ) {
    const colon = key.lastIndexOf(':');
    this.host = key.slice(0, colon).replace(/^\[|\]$/g, '');
    this.port = Number(key.slice(colon + 1));
  }

  acquire(): UpstreamConnection {
    let connection = this.idle.pop();
    // Closed pooled connections leave the list on their 'close'; one closed in this very tick may still be here.
    while (connection !== undefined && connection.socket.destroyed) connection = this.idle.pop();
    if (connection !== undefined) return connection;
    this.opened++;
    return new UpstreamConnection(this, this.host, this.port, this.keepAliveMs);
  }

  release(connection: UpstreamConnection): void {
    if (this.retired || !connection.reusable || connection.socket.destroyed) {
      connection.socket.destroy();
      return;
    }
    connection.idleSince = this.registry.now;
    this.idle.push(connection);
    if (this.idle.length === 1) this.registry.pools.add(this);
  }

  forget(connection: UpstreamConnection): void {
    const index = this.idle.indexOf(connection);
    if (index !== -1) this.idle.splice(index, 1);
  }

  fault(err: unknown): void {
    this.registry.fault(err);
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Closes connections idle past their keep-alive time; false once none is left idle. */
  sweep(now: number): boolean {
    const idle = this.idle;
    let write = 0;
    for (let read = 0; read < idle.length; read++) {
      const connection = idle[read] as UpstreamConnection;
      if (now - connection.idleSince > connection.keepAliveMs) connection.socket.destroy();
      else idle[write++] = connection;
    }
    idle.length = write;
    return write > 0;
  }

  /** The address left the table (or the router stops): close idle connections now, busy ones when done. */
  retire(): void {
    this.retired = true;
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
    this.registry.pools.delete(this);
  }
}
