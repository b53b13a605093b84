/**
 * One request on the fast path: a request without body on a plain route, sent over a pooled
 * upstream connection, its answer streamed back as it arrives. The bookkeeping is ProxyExchange's:
 * the same metrics, balancing counters, outlier ejection, concurrency slot, one retry of an
 * idempotent request on another instance (within the retry budget) when the connection failed
 * before any answer byte, and the route's connect, first-byte, idle and total timeouts, checked by
 * the fast path's sweeper instead of a timer per request.
 */
import type { ErrorCode } from '../../core/errors.js';
import { pickBackend } from '../balancer.js';
import type { RequestIds } from '../forward-headers.js';
import type { MetricSeries } from '../metrics.js';
import type { ProxyBackend, ProxyRoute, RouterLogger } from '../proxy-exchange.js';
import { upstreamPath } from '../route-matcher.js';
import type { RoutePolicy } from '../route-policy.js';
import type { ServiceLimiter } from '../route-state.js';
import { endRequestSpan, type RequestSpan } from '../tracing/router-tracer.js';
import type { Upstream } from '../upstreams.js';
import type { ParsedRequest } from './request-head.js';
import type { ParsedResponse } from './response-head.js';
import type { SocketPool } from './socket-pool.js';
import { BodyMode, UpstreamFailure, type UpstreamConnection, type UpstreamUser } from './upstream-connection.js';

/** The client connection an exchange answers on. */
export interface ExchangeClient {
  /** The request asked for the connection to close after the answer. */
  readonly closeAfter: boolean;
  /** The client has half-closed its side. */
  readonly ended: boolean;
  /** `forwardedFor` for a client that sent no X-Forwarded-For: its own address. */
  readonly address: string;
  /** `x-forwarded-proto`: https over TLS. */
  readonly proto: 'http' | 'https';
  /** Writes the answer's head and first body bytes; false when the client's buffer is full. */
  writeHead(head: string, buf: Buffer, start: number, end: number, chunked: boolean): boolean;
  writeBody(buf: Buffer, start: number, end: number, chunked: boolean): boolean;
  /** Ends an answer this proxy re-chunked. */
  writeLastChunk(): void;
  /** A complete answer of the router's own. */
  writeText(text: string): void;
  /** Cuts the connection: the client must see a broken answer, not a complete one. */
  destroy(): void;
  exchangeDone(exchange: FastExchange): void;
}

/** What an exchange needs from the fast path. */
export interface FastExchangeContext {
  readonly logger: RouterLogger;
  readonly draining: boolean;
  readonly ids: RequestIds;
  match(host: string | undefined, url: string): ProxyRoute | undefined;
  /** Whether the fast path may serve this route. */
  isPlain(route: ProxyRoute): boolean;
  pool(upstream: Upstream): SocketPool;
  answerWithError(client: ExchangeClient, status: number, code: ErrorCode, message: string, closeConnection: boolean): void;
}

/** Waiting: every instance that could take the request is down; it waits for one (the route's hold). */
const Phase = { None: 0, Connect: 1, FirstByte: 2, Idle: 3, Waiting: 4 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** Errors after which the request cannot have been processed upstream (as proxy-exchange.ts). */
const retryableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'SKIFF_UPSTREAM_CLOSED']);
/** A kept-alive connection closed under the request: the same instance may answer on a new one. */
const staleCodes = new Set(['ECONNRESET', 'EPIPE', 'SKIFF_UPSTREAM_CLOSED']);

export class FastExchange implements UpstreamUser {
  readonly method: string;
  readonly isHead: boolean;
  readonly url: string;
  /** Lower-case host without port, for matching again on a retry. */
  readonly host: string;
  readonly requestId: string;
  readonly startMs: number;
  route: ProxyRoute;
  /** Decided with the answer's head: the client connection closes after this answer. */
  closeAfter = false;

  private readonly context: FastExchangeContext;
  private readonly client: ExchangeClient;
  /** The request head after the request line, ready to send. */
  private readonly headers: string;
  private readonly limiter: ServiceLimiter;
  private readonly replayable: boolean;
  private policy: RoutePolicy;
  private path: string;
  private backend: ProxyBackend | undefined = undefined;
  private series: MetricSeries | undefined = undefined;
  private upstream: UpstreamConnection | null = null;
  private mode: BodyMode = BodyMode.None;
  private phase: Phase = Phase.None;
  private phaseSince = 0;
  private totalDeadline = 0;
  private attempts = 0;
  /** While waiting: the instance that failed, tried again only once the table changed the route. */
  private failedUpstream: Upstream | null = null;
  /** performance.now() until which it may wait, set by the first wait: waiting again does not extend it. */
  private holdUntil = 0;
  private settled = true;
  private responded = false;
  private waitingDrain = false;
  private clientGone = false;
  private done = false;
  /** The router's span, when tracing is on. */
  private readonly trace: RequestSpan | null;
  /** The status the client got; 0 before an answer. */
  private status = 0;

  constructor(
    context: FastExchangeContext,
    client: ExchangeClient,
    route: ProxyRoute,
    request: ParsedRequest,
    host: string,
    startMs: number,
    trace: RequestSpan | null,
  ) {
    this.context = context;
    this.client = client;
    this.route = route;
    this.policy = route.state.policy;
    this.limiter = route.state.limiter;
    this.method = request.method;
    this.isHead = request.isHead;
    this.url = request.url;
    this.host = host;
    this.startMs = startMs;
    this.path = upstreamPath(route, request.url);
    this.replayable = route.retryMethods.has(request.method);
    this.requestId = request.requestId ?? context.ids.next();
    const forwardedFor = request.forwardedFor === undefined ? client.address : `${request.forwardedFor}, ${client.address}`;
    this.trace = trace;
    // With tracing on the router's span is the parent; without, the client's headers go on as they came.
    const traceparent = trace === null ? request.traceparent : trace.traceparent;
    const tracestate = trace === null ? request.tracestate : trace.tracestate;
    this.headers =
      `${request.kept}x-forwarded-for: ${forwardedFor}\r\nx-forwarded-proto: ${client.proto}\r\n` +
      `x-forwarded-host: ${request.host}\r\nx-request-id: ${this.requestId}\r\n` +
      `${traceparent === undefined ? '' : `traceparent: ${traceparent}\r\n`}${tracestate === undefined ? '' : `tracestate: ${tracestate}\r\n`}\r\n`;
    if (this.policy.totalMs > 0) this.totalDeadline = startMs + this.policy.totalMs;
  }

  get isDone(): boolean {
    return this.done;
  }

  /** Sends the request to `backend`, a pick of the route's balancer; takes the service's concurrency slot. */
  start(backend: ProxyBackend, nowMs: number): void {
    this.limiter.inFlight++;
    this.series = backend.series;
    backend.series.requests++;
    this.route.state.budget.recordRequest((nowMs / 1000) | 0);
    this.dispatch(backend, this.startMs);
  }

  private dispatch(backend: ProxyBackend, now: number): void {
    this.backend = backend;
    this.attempts++;
    this.settled = false;
    backend.upstream.inFlight++;
    backend.series.inFlight++;
    const connection = this.context.pool(backend.upstream).acquire();
    this.upstream = connection;
    this.phase = connection.connected ? Phase.FirstByte : Phase.Connect;
    this.phaseSince = now;
    connection.send(this, `${this.method} ${this.path} HTTP/1.1\r\n${this.headers}`, this.isHead);
  }

  /** Called by the sweeper: enforces the route's timeouts. */
  check(now: number): void {
    if (this.done) return;
    if (this.totalDeadline !== 0 && now >= this.totalDeadline) {
      this.timedOut('SKIFF_TOTAL_TIMEOUT', !this.responded, false);
      return;
    }
    const policy = this.policy;
    switch (this.phase) {
      case Phase.Connect:
        if (policy.connectMs > 0 && now - this.phaseSince >= policy.connectMs) this.timedOut('SKIFF_CONNECT_TIMEOUT', false, true);
        return;
      case Phase.FirstByte:
        if (policy.firstByteMs > 0 && now - this.phaseSince >= policy.firstByteMs) this.timedOut('SKIFF_FIRST_BYTE_TIMEOUT', true, false);
        return;
      case Phase.Idle:
        // While the client is slow to read, the instance is paused by us and not idle.
        if (policy.idleMs > 0 && !this.waitingDrain && now - this.phaseSince >= policy.idleMs) this.timedOut('SKIFF_IDLE_TIMEOUT', true, false);
        return;
      case Phase.Waiting:
        this.tryAgain(now);
        return;
      default:
        return;
    }
  }

  private timedOut(code: string, answerTimeout: boolean, retryable: boolean): void {
    const connection = this.upstream;
    this.upstream = null;
    connection?.abort();
    this.failure(code, { timeout: true, retryable, stale: false, answerTimeout });
  }

  connected(): void {
    if (this.phase === Phase.Connect) {
      this.phase = Phase.FirstByte;
      this.phaseSince = performance.now();
    }
  }

  answer(head: ParsedResponse, mode: BodyMode, buf: Buffer, bodyStart: number, bodyEnd: number, dataBytes: number, done: boolean): void {
    const backend = this.backend as ProxyBackend;
    const status = head.status;
    if (status >= 500) this.upstreamFailed(backend);
    else backend.upstream.succeeded();
    const close = this.client.closeAfter || this.client.ended || this.context.draining;
    this.closeAfter = close;
    this.mode = mode;
    let text = `HTTP/1.1 ${head.statusText}\r\n${head.kept}x-skiff-instance: ${backend.id}\r\n`;
    // An answer delimited by the instance closing its connection is re-chunked, so the client's stays open.
    if (mode === BodyMode.UntilClose) text += 'transfer-encoding: chunked\r\n';
    if (close) text += 'connection: close\r\n';
    const written = this.client.writeHead(`${text}\r\n`, buf, bodyStart, bodyEnd, mode === BodyMode.UntilClose);
    this.responded = true;
    this.status = status;
    backend.series.respond(status);
    backend.series.responseBytes += dataBytes;
    if (done) {
      this.upstream = null;
      this.settle();
      this.finish();
      return;
    }
    this.phase = Phase.Idle;
    this.phaseSince = performance.now();
    if (!written) this.waitForClient();
  }

  body(buf: Buffer, start: number, end: number, dataBytes: number, done: boolean): void {
    if (this.done) return;
    (this.backend as ProxyBackend).series.responseBytes += dataBytes;
    const chunked = this.mode === BodyMode.UntilClose;
    const written = end > start ? this.client.writeBody(buf, start, end, chunked) : true;
    if (done) {
      if (chunked) this.client.writeLastChunk();
      this.upstream = null;
      this.settle();
      this.finish();
      return;
    }
    this.phaseSince = performance.now();
    if (!written) this.waitForClient();
  }

  private waitForClient(): void {
    this.waitingDrain = true;
    this.upstream?.pause();
  }

  /** The client's buffer drained: read on from the instance. */
  clientDrained(): void {
    if (!this.waitingDrain) return;
    this.waitingDrain = false;
    this.phaseSince = performance.now();
    this.upstream?.resume();
  }

  clientClosed(): void {
    if (this.done) return;
    this.clientGone = true;
    const connection = this.upstream;
    this.upstream = null;
    connection?.abort();
    this.settle();
    this.finish();
  }

  failed(failure: UpstreamFailure, code: string): void {
    this.upstream = null;
    switch (failure) {
      case UpstreamFailure.Connect:
        this.failure(code, { timeout: false, retryable: retryableCodes.has(code), stale: false, answerTimeout: false });
        return;
      case UpstreamFailure.Closed:
        this.failure(code, { timeout: false, retryable: retryableCodes.has(code), stale: staleCodes.has(code), answerTimeout: false });
        return;
      default:
        this.failure(code, { timeout: false, retryable: false, stale: false, answerTimeout: false });
        return;
    }
  }

  private failure(code: string, kind: { timeout: boolean; retryable: boolean; stale: boolean; answerTimeout: boolean }): void {
    this.settle();
    if (this.clientGone || this.done) {
      this.finish();
      return;
    }
    const backend = this.backend as ProxyBackend;
    if (kind.timeout) backend.series.timeouts++;
    if (kind.retryable) backend.series.connectFailures++;
    if (this.responded) {
      // Part of the answer already went out: the client must see a broken answer, not a patched one.
      this.context.logger.warn(this.logDetails(code), 'upstream failed while streaming the answer');
      this.client.destroy();
      this.finish();
      return;
    }
    this.upstreamFailed(backend);
    if (this.replayable && kind.retryable) {
      if (this.attempts === 1 && this.retry(code, kind.stale)) return;
      if (this.wait(backend)) return;
    }
    this.context.logger.warn(this.logDetails(code), 'upstream request failed');
    if (kind.answerTimeout) this.fail(504, 'SKIFF_UPSTREAM_TIMEOUT', `instance ${backend.id} did not answer in time (${code})`);
    else this.fail(502, 'SKIFF_UPSTREAM_UNAVAILABLE', `instance ${backend.id} could not be reached (${code})`);
  }

  private upstreamFailed(backend: ProxyBackend): void {
    const policy = this.policy;
    if (backend.upstream.failed(Date.now(), policy.consecutiveFailures, policy.ejectionMs)) {
      this.context.logger.warn(
        { route: this.route.id, instance: backend.id, failures: backend.upstream.consecutiveFailures, ejections: backend.upstream.ejections },
        'instance ejected after consecutive failures',
      );
    }
  }

  private retry(code: string, stale: boolean): boolean {
    const failed = this.backend as ProxyBackend;
    const route = this.context.match(this.host, this.url);
    // A table that changed the route into one the fast path does not serve: no retry here.
    if (route === undefined || !this.context.isPlain(route)) return false;
    const nowMs = Date.now();
    const next =
      pickBackend(route, failed.upstream, nowMs) ?? (stale ? route.backends.find((b) => b.upstream === failed.upstream) : undefined);
    if (next === undefined) return false;
    if (!route.state.budget.tryRetry((nowMs / 1000) | 0)) {
      this.context.logger.warn({ requestId: this.requestId, route: route.id }, 'retry budget exhausted: not retrying');
      return false;
    }
    failed.series.retries++;
    this.context.logger.info({ requestId: this.requestId, route: route.id, failed: failed.id, instance: next.id, code }, 'retrying the request once');
    if (route !== this.route) {
      this.route = route;
      this.policy = route.state.policy;
      this.path = upstreamPath(route, this.url);
    }
    this.series = next.series;
    this.dispatch(next, performance.now());
    return true;
  }

  /**
   * Every instance that could take the request is down at once (they crash together, or the one
   * left is being restarted): an idempotent request that got no answer waits, up to the route's
   * hold time, for an instance the table brings back, instead of failing.
   */
  private wait(failed: ProxyBackend): boolean {
    if (this.policy.holdMs <= 0 || this.context.draining) return false;
    // The attempt ended without an answer and the request goes on: counted like a retry.
    failed.series.retries++;
    this.series = this.route.state.series;
    this.failedUpstream = failed.upstream;
    this.phase = Phase.Waiting;
    this.phaseSince = performance.now();
    if (this.holdUntil === 0) this.holdUntil = this.phaseSince + this.policy.holdMs;
    this.context.logger.info({ requestId: this.requestId, route: this.route.id, failed: failed.id }, 'no instance can take the request now: holding it');
    return true;
  }

  /** Called by the sweeper while waiting: sends the request once an instance can take it. */
  private tryAgain(now: number): void {
    const route = this.context.match(this.host, this.url);
    if (route === undefined || !this.context.isPlain(route) || this.context.draining || now >= this.holdUntil) {
      this.fail(503, 'SKIFF_NO_READY_INSTANCE', `route ${this.route.id} had no ready instance within ${this.policy.holdMs} ms`);
      return;
    }
    const nowMs = Date.now();
    const next = pickBackend(route, this.failedUpstream, nowMs) ?? (route !== this.route ? pickBackend(route, null, nowMs) : undefined);
    if (next === undefined) return;
    if (route !== this.route) {
      this.route = route;
      this.policy = route.state.policy;
      this.path = upstreamPath(route, this.url);
    }
    this.failedUpstream = null;
    this.series = next.series;
    next.series.requests++;
    this.dispatch(next, now);
  }

  private fail(status: number, code: ErrorCode, message: string): void {
    if (this.done) return;
    this.series?.respond(status);
    this.status = status;
    this.closeAfter = this.client.closeAfter || this.client.ended || this.context.draining;
    this.context.answerWithError(this.client, status, code, message, this.closeAfter);
    this.finish();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    const backend = this.backend;
    if (backend !== undefined) {
      backend.upstream.inFlight--;
      backend.series.inFlight--;
    }
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.phase = Phase.None;
    this.series?.observe(performance.now() - this.startMs);
    this.limiter.inFlight--;
    this.client.exchangeDone(this);
    if (this.trace !== null) endRequestSpan(this.trace, this.status, this.attempts, this.backend);
  }

  private logDetails(code: string): object {
    return { requestId: this.requestId, route: this.route.id, instance: this.backend?.id, attempts: this.attempts, code };
  }
}
