/**
 * The data plane's fast path: plain pass-through requests served on raw sockets, without
 * node:http's per-request objects and undici's dispatch. It takes over the data server's
 * 'connection' event; a connection stays on the fast path while its requests are plainly safe
 * (no body, no upgrade, a route without weights, release matches, mirroring or rate limit, a
 * ready instance, room under the concurrency limit) and moves to node:http, for good, at the
 * first request that is not. Everything it does not handle is node:http's, unchanged.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from '../../core/errors.js';
import type { RouteEntry } from '../../core/route-table.js';
import { pickBackend } from '../balancer.js';
import { RequestIds } from '../forward-headers.js';
import type { RouterMetrics } from '../metrics.js';
import type { ProxyRoute, RouterLogger } from '../proxy-exchange.js';
import { hostKey, removeDotSegments } from '../request-target.js';
import type { RouterTracer } from '../tracing/router-tracer.js';
import type { Upstream } from '../upstreams.js';
import { challengeAnswer, type AcmeChallenges } from '../acme-challenge.js';
import { ClientConnection, type ConnectionContext, type ConnectionLimits } from './client-connection.js';
import { FastExchange, type ExchangeClient, type FastExchangeContext } from './fast-exchange.js';
import { incompleteHeadAnswer, requestTimeoutAnswer, routerErrorAnswer } from './raw-answers.js';
import type { ParsedRequest } from './request-head.js';
import { SocketPool, type PoolRegistry } from './socket-pool.js';

/** What the fast path needs from the data plane (DataPlane provides it). */
export interface FastPathContext {
  readonly logger: RouterLogger;
  readonly metrics: RouterMetrics;
  readonly draining: boolean;
  match(host: string | undefined, url: string): ProxyRoute | undefined;
  /** Null when the table has no tracing: trace headers then pass through. */
  readonly tracer: RouterTracer | null;
  /** ACME challenges are answered on node:http's path. */
  readonly challenges: AcmeChallenges;
}

export interface FastPathOptions {
  /** node:http's headers timeout: a connection that sends nothing is answered 408 after it. */
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxHeaderBytes: number;
}

export interface FastPathStats {
  /** Connections accepted (all of them start on the fast path). */
  connections: number;
  /** Requests served on the fast path. */
  requests: number;
  /** Connections given to node:http. */
  handoffs: number;
}

/** How often timeouts are checked: the resolution of every fast-path timeout. */
const sweepEveryMs = 50;

/** Route settings the fast path honours; a route with any other (weights, matches, mirror, rate limit) is not plain. */
const plainKeys = new Set([
  'id',
  'environment',
  'service',
  'host',
  'pathPrefix',
  'stripPrefix',
  'retryMethods',
  'balance',
  'backends',
  'timeouts',
  'retryBudget',
  'circuitBreaker',
  'hold',
  'maxBodyBytes',
]);

/** What node:http accepts in a header value: instance ids go out in x-skiff-instance. */
const headerValue = /^[\t\x20-\x7e\x80-\xff]*$/;

function plainEntry(entry: RouteEntry): boolean {
  for (const [key, value] of Object.entries(entry)) {
    if (value !== undefined && !plainKeys.has(key)) return false;
  }
  return entry.backends.every((backend) => headerValue.test(backend.id));
}

export class FastPath implements ConnectionContext, ConnectionLimits, FastExchangeContext, PoolRegistry {
  now = performance.now();
  readonly pools = new Set<SocketPool>();
  readonly ids = new RequestIds();
  readonly stats: FastPathStats = { connections: 0, requests: 0, handoffs: 0 };
  readonly maxHeaderBytes: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly partialHeadMs: number;
  private readonly context: FastPathContext;
  private readonly httpConnection: (socket: Socket) => void;
  private readonly connections = new Set<ClientConnection>();
  private readonly plain = new WeakMap<RouteEntry, boolean>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(context: FastPathContext, httpConnection: (socket: Socket) => void, options: FastPathOptions) {
    this.context = context;
    this.httpConnection = httpConnection;
    this.maxHeaderBytes = options.maxHeaderBytes;
    this.headersTimeoutMs = options.headersTimeoutMs;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs;
    this.partialHeadMs = Math.min(1_000, options.headersTimeoutMs / 2);
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  get logger(): RouterLogger {
    return this.context.logger;
  }

  get draining(): boolean {
    return this.context.draining;
  }

  readonly accept = (socket: Socket): void => {
    this.stats.connections++;
    this.connections.add(new ClientConnection(this, socket));
  };

  begin(connection: ClientConnection, request: ParsedRequest, startMs: number): FastExchange | undefined {
    const host = connection.hostOf(request.host, hostKey);
    // An invalid Host is node:http's path to refuse, with the same answer as there.
    if (host === undefined) return undefined;
    request.url = removeDotSegments(request.url);
    if (challengeAnswer(this.context.challenges, request.method, request.url) !== undefined) return undefined;
    const route = this.context.match(host, request.url);
    if (route === undefined || !this.isPlain(route)) return undefined;
    const state = route.state;
    if (state.limiter.inFlight >= state.policy.maxConcurrent) return undefined;
    const nowMs = Date.now();
    // No ready instance: node:http's path holds the request until one is.
    const backend = pickBackend(route, null, nowMs);
    if (backend === undefined) return undefined;
    const tracer = this.context.tracer;
    const trace = tracer === null ? null : tracer.begin(request, request.method, route.entry, startMs);
    const exchange = new FastExchange(this, connection, route, request, host, startMs, trace);
    connection.track(exchange);
    this.stats.requests++;
    exchange.start(backend, nowMs);
    return exchange;
  }

  match(host: string | undefined, url: string): ProxyRoute | undefined {
    return this.context.match(host, url);
  }

  isPlain(route: ProxyRoute): boolean {
    let plain = this.plain.get(route.entry);
    if (plain === undefined) {
      plain = plainEntry(route.entry);
      this.plain.set(route.entry, plain);
    }
    return plain;
  }

  pool(upstream: Upstream): SocketPool {
    return (upstream.sockets ??= new SocketPool(upstream.key, this));
  }

  answerWithError(client: ExchangeClient, status: number, code: ErrorCode, message: string, closeConnection: boolean): void {
    client.writeText(routerErrorAnswer(status, code, message, closeConnection));
  }

  refuseSilent(connection: ClientConnection): void {
    this.context.metrics.reject('timeout');
    connection.refuse(requestTimeoutAnswer());
  }

  refuseIncomplete(connection: ClientConnection): void {
    this.context.metrics.reject('malformed');
    connection.refuse(incompleteHeadAnswer());
  }

  fault(err: unknown): void {
    this.context.logger.error({ err: (err as Error).message, stack: (err as Error).stack }, 'fast path: request handling failed');
  }

  handOff(socket: Socket): void {
    this.stats.handoffs++;
    this.httpConnection(socket);
  }

  forget(connection: ClientConnection): void {
    this.connections.delete(connection);
  }

  /** Closes connections that are between requests (draining). */
  closeIdle(): void {
    for (const connection of this.connections) connection.closeIfIdle();
  }

  destroyAll(): void {
    for (const connection of this.connections) connection.destroy();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = performance.now();
    this.now = now;
    for (const connection of this.connections) {
      try {
        connection.sweep(now, this);
      } catch (err) {
        this.fault(err);
        connection.destroy();
      }
    }
    for (const pool of this.pools) if (!pool.sweep(now)) this.pools.delete(pool);
  }
}

/**
 * Puts the fast path in front of `server`'s connection handling. Returns undefined (and changes
 * nothing) when node:http's own connection listener cannot be found, e.g. on a Node version that
 * handles connections differently.
 */
export function installFastPath(server: Server, context: FastPathContext, options: FastPathOptions): FastPath | undefined {
  const listener = server.listeners('connection').find((candidate) => candidate.name === 'connectionListener');
  if (listener === undefined) return undefined;
  const httpConnection = listener as (this: Server, socket: Socket) => void;
  server.removeListener('connection', httpConnection);
  const fast = new FastPath(context, (socket) => httpConnection.call(server, socket), options);
  server.on('connection', fast.accept);
  return fast;
}
