/**
 * One proxied request: an undici dispatch handler that streams the upstream answer to the client
 * with backpressure, and retries once on another backend when the connection failed before any
 * answer byte arrived (within the route's retry budget). It implements undici's classic handler
 * callbacks because undici's HTTP/1 client calls those directly; the newer controller API is
 * wrapped (and re-parses headers) per request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../core/errors.js';
import { pickBackend, type BalancedRoute } from './balancer.js';
import { isHttp2, sendRouterError } from './error-response.js';
import { rewriteResponseHeaders, type RequestHead } from './forward-headers.js';
import type { MetricSeries } from './metrics.js';
import type { AnswerCapture } from './parallel/capture.js';
import { upstreamPath, type CompiledRoute } from './route-matcher.js';
import type { RouteTraffic } from './release-picker.js';
import type { ResolvedTarget, TargetHead } from './request-target.js';
import type { RouteState, ServiceLimiter } from './route-state.js';
import { endRequestSpan, type RequestSpan } from './tracing/router-tracer.js';
import type { Upstream } from './upstreams.js';

export interface ProxyBackend {
  readonly id: string;
  readonly release: string;
  readonly upstream: Upstream;
  readonly series: MetricSeries;
}

export type ProxyRoute = CompiledRoute<ProxyBackend, RouteState<ProxyBackend>>;

export interface RouterLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** What an exchange needs from the data plane that owns it. */
export interface ExchangeContext {
  readonly logger: RouterLogger;
  /** True while the router shuts down: answers ask the client to close the connection. */
  readonly draining: boolean;
  /** The route for a request under the current table (it may have changed since the request arrived). */
  rematch(exchange: ProxyExchange): ProxyRoute | undefined;
  /** The exchange ended: release what the data plane tracks for it. */
  finished(exchange: ProxyExchange): void;
  /** A mirrored exchange answered its client in full: time for the copies. */
  mirror(exchange: ProxyExchange): void;
  /**
   * Waits, like a request that found no ready instance, for the next table or the end of its
   * hold time (also after a failed attempt). False when the route cannot hold more.
   */
  hold(exchange: ProxyExchange): boolean;
}

/** Connection failures after which the request cannot have been processed upstream. */
const retryableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'SKIFF_TOTAL_TIMEOUT']);

/**
 * A reset on a kept-alive connection usually means the instance closed an idle socket as the
 * request went out; the same instance may answer on a fresh connection, so with a single backend
 * the retry goes there.
 */
const staleConnectionCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

const exchangeKey = Symbol('skiff.exchange');
const socketKey = Symbol('skiff.exchanges');

type ResponseWithExchange = ServerResponse & { [exchangeKey]?: ProxyExchange };
/** The exchanges of a connection, newest first (more than one only with pipelining); null once listened to. */
type SocketWithExchanges = Socket & { [socketKey]?: ProxyExchange | null };

/** One close listener per connection instead of one per response. */
function onSocketClose(this: SocketWithExchanges): void {
  for (let exchange = this[socketKey]; exchange != null; exchange = exchange.nextOnSocket) exchange.clientClosed();
  this[socketKey] = null;
}

function attachToSocket(socket: SocketWithExchanges, exchange: ProxyExchange): void {
  let head = socket[socketKey];
  if (head === undefined) {
    socket.on('close', onSocketClose);
    head = null;
  }
  // Drop finished exchanges so a long keep-alive connection holds none of them.
  while (head != null && head.isDone) head = head.nextOnSocket;
  if (head != null) {
    let previous = head;
    for (let next = head.nextOnSocket; next != null; next = next.nextOnSocket) {
      if (!next.isDone) {
        previous.nextOnSocket = next;
        previous = next;
      }
    }
    previous.nextOnSocket = null;
  }
  exchange.nextOnSocket = head;
  socket[socketKey] = exchange;
}

/**
 * The exchange on `socket` whose request body was still arriving, if any: when node:http's parser
 * fails in the middle of a body (a broken chunk), that request is the broken one.
 */
export function exchangeReadingBody(socket: Socket): ProxyExchange | undefined {
  const newest = (socket as SocketWithExchanges)[socketKey];
  return newest != null && !newest.req.complete ? newest : undefined;
}

/**
 * Calls `then` once every answer under way on `socket` has been written out (at once when there
 * is none): answers go out in request order, so the newest exchange's is the last of them.
 */
export function afterAnswers(socket: Socket, then: () => void): void {
  const newest = (socket as SocketWithExchanges)[socketKey];
  if (newest == null) then();
  else newest.whenAnswered(then);
}

function onClientDrain(this: ResponseWithExchange): void {
  this[exchangeKey]?.resumeUpstream();
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export class ProxyExchange implements RequestHead, TargetHead, ResolvedTarget, Dispatcher.DispatchHandler {
  headers: string[] = [];
  hostHeader: string | undefined = undefined;
  hostHeaders = 0;
  contentLength = -1;
  chunked = false;
  transferEncoding: string | undefined = undefined;
  requestId = '';
  traceparent: string | undefined = undefined;
  tracestate: string | undefined = undefined;
  /** The router's span, when tracing is on. */
  trace: RequestSpan | null = null;

  readonly method: string;
  /** The request target as the client sent it. */
  readonly target: string;
  /** The target as matched and forwarded (see resolveTarget). */
  url: string;
  authority: string | undefined = undefined;
  readonly startMs: number;
  /** Lower-cased host without port, as used for matching. */
  host: string | undefined = undefined;
  route: ProxyRoute | undefined = undefined;
  path = '';
  body: Buffer | Readable | null = null;
  /** The method is in the route's retry list and the body, if any, can be sent again. */
  replayable = false;
  /** Where this exchange's outcome is counted: the route's until an instance is chosen. */
  series: MetricSeries | undefined = undefined;
  /** performance.now() after which the whole exchange times out; 0 for none. */
  deadline = 0;
  /** performance.now() until which the exchange may wait for a ready instance. */
  holdUntil = 0;
  /** performance.now() when it was first held for a route that may wake its service; 0 otherwise. */
  wakeSince = 0;
  /** The service's concurrency counter this exchange holds a slot of. */
  limiter: ServiceLimiter | undefined = undefined;
  /** Set on a request chosen for a parallel run: keeps the client's answer for comparison. */
  capture: AnswerCapture | null = null;

  readonly req: IncomingMessage;
  private readonly context: ExchangeContext;
  private readonly res: ResponseWithExchange;
  private backend: ProxyBackend | undefined = undefined;
  /** The backends the request may go to: the route's, or one release's on routes with release choice. */
  private group: BalancedRoute<ProxyBackend> | undefined = undefined;
  private attempts = 0;
  private abortUpstream: ((err?: Error) => void) | null = null;
  private resume: (() => void) | null = null;
  private responded = false;
  /** The current attempt finished (answered or failed) and released its in-flight slot. */
  private settled = true;
  private clientGone = false;
  private done = false;
  /** The status the client got (or is getting); 0 before an answer. */
  private status = 0;

  constructor(context: ExchangeContext, req: IncomingMessage, res: ServerResponse, startMs: number) {
    this.context = context;
    this.req = req;
    this.res = res;
    this.method = req.method ?? 'GET';
    this.target = req.url ?? '/';
    this.url = this.target;
    this.startMs = startMs;
    (res as ResponseWithExchange)[exchangeKey] = this;
    this.http2 = isHttp2(res);
    // An HTTP/2 stream closes on its own; its session's socket carries many exchanges at once.
    if (this.http2) res.once('close', () => this.clientClosed());
    else attachToSocket(req.socket, this);
  }

  /** The client speaks HTTP/2: no Connection header in answers, its stream (not socket) tells of a close. */
  readonly http2: boolean;
  /** Strict-Transport-Security for the answer (the route asks for it and the request came over TLS). */
  hsts: string | undefined = undefined;

  /** The previous exchange on the same client connection still to be told about its close. */
  nextOnSocket: ProxyExchange | null = null;
  /** Declared length of the answer being streamed, counted down; -1 when unknown. */
  responseLength = -1;
  private ended = false;

  get isDone(): boolean {
    return this.done;
  }

  /** The instance that answered (or is answering). */
  get answeredBy(): ProxyBackend | undefined {
    return this.backend;
  }

  /** The router answered the request itself before admitting it (404, 413, 429, 503): nothing to track. */
  answeredByRouter(): void {
    this.done = true;
  }

  get gone(): boolean {
    return this.clientGone || this.done;
  }

  /** Sends the request to a backend of `route`; false when it has none (the caller holds or fails). */
  start(nowMs: number): boolean {
    const route = this.route;
    if (this.gone || route === undefined) return true;
    const traffic = route.state.traffic;
    const group = traffic === null ? route : traffic.pick(this.req.rawHeaders);
    const backend = pickBackend(group, null, nowMs);
    if (backend === undefined) return false;
    this.group = group;
    this.series = backend.series;
    backend.series.requests++;
    if (this.contentLength > 0) backend.series.requestBytes += this.contentLength;
    route.state.budget.recordRequest((nowMs / 1000) | 0);
    this.dispatch(backend);
    return true;
  }

  private dispatch(backend: ProxyBackend): void {
    const policy = (this.route as ProxyRoute).state.policy;
    this.backend = backend;
    this.attempts++;
    this.settled = false;
    this.abortUpstream = null;
    backend.upstream.inFlight++;
    backend.series.inFlight++;
    backend.upstream.pool.dispatch(
      {
        path: this.path,
        method: this.req.method as Dispatcher.HttpMethod,
        headers: this.headers,
        body: this.body,
        headersTimeout: policy.firstByteMs,
        bodyTimeout: policy.idleMs,
      },
      this,
    );
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

  /** Ends the exchange's bookkeeping once: latency, limits, timers. */
  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.series?.observe(performance.now() - this.startMs);
    this.context.finished(this);
    if (this.trace !== null) endRequestSpan(this.trace, this.status, this.attempts, this.backend);
  }

  clientClosed(): void {
    if (this.done) return;
    if (this.res.writableFinished) return;
    this.clientGone = true;
    if (this.settled) {
      // Not sent upstream (held, or body still buffering): nothing to abort.
      this.finish();
      return;
    }
    this.abortUpstream?.(new Error('client closed the connection'));
  }

  /**
   * The request turned out malformed after its head was accepted (node:http's parser failed in
   * its body): the upstream request is abandoned and the client answered 400, then disconnected.
   */
  refuseBrokenBody(message: string): void {
    if (this.done) {
      // Answered already (refused by the router, say): nothing more can follow on this connection.
      this.whenAnswered(() => this.req.socket.destroySoon());
      return;
    }
    this.clientGone = true;
    const abort = this.settled ? null : this.abortUpstream;
    this.fail(400, 'SKIFF_BAD_REQUEST', message, true);
    abort?.(new Error('the request body is malformed'));
  }

  /** Calls `then` once this exchange's answer has been written out, or the connection is gone. */
  whenAnswered(then: () => void): void {
    const res = this.res;
    if (res.writableFinished || res.destroyed) {
      then();
      return;
    }
    let called = false;
    const once = (): void => {
      if (called) return;
      called = true;
      then();
    };
    // Ahead of node:http's own listener, which may end the connection after this answer.
    res.prependOnceListener('finish', once);
    res.once('close', once);
  }

  /** The whole-exchange deadline passed. */
  timedOut(): void {
    if (this.done) return;
    const err = Object.assign(new Error('the exchange ran past its total timeout'), { code: 'SKIFF_TOTAL_TIMEOUT' });
    if (this.abortUpstream !== null && !this.settled) this.abortUpstream(err);
    else this.fail(504, 'SKIFF_UPSTREAM_TIMEOUT', `route ${this.route?.id} did not complete in time`);
  }

  resumeUpstream(): void {
    const resume = this.resume;
    if (resume !== null) resume();
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.clientGone) abort(new Error('client closed the connection'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx interim answers are not forwarded; Node's server already handled `Expect: 100-continue`.
    if (statusCode < 200) return true;
    this.resume = resume;
    if (this.capture !== null) this.capture.head(statusCode, rawHeaders);
    const backend = this.backend as ProxyBackend;
    const route = this.route as ProxyRoute;
    if (statusCode >= 500) this.upstreamFailed(route, backend);
    else backend.upstream.succeeded();
    // Throws on header values Node refuses to send; undici then aborts and onError answers 502.
    const headers = rewriteResponseHeaders(rawHeaders, backend.id, this.context.draining && !this.http2, this);
    if (this.hsts !== undefined) headers.push('strict-transport-security', this.hsts);
    this.res.writeHead(statusCode, headers);
    this.responded = true;
    this.status = statusCode;
    backend.series.respond(statusCode);
    return true;
  }

  onData(chunk: Buffer): boolean {
    (this.backend as ProxyBackend).series.responseBytes += chunk.length;
    if (this.capture !== null) this.capture.data(chunk);
    const res = this.res;
    if (this.responseLength > 0) {
      this.responseLength -= chunk.length;
      if (this.responseLength === 0) {
        // The last chunk: writing and ending in one call lets Node finish the response at once.
        this.ended = true;
        res.end(chunk);
        return true;
      }
    }
    if (res.write(chunk)) return true;
    res.once('drain', onClientDrain);
    return false;
  }

  onComplete(): void {
    this.settle();
    if (!this.ended) this.res.end();
    this.finish();
    if (this.capture !== null) this.context.mirror(this);
  }

  onError(err: Error): void {
    this.settle();
    const backend = this.backend as ProxyBackend;
    const route = this.route as ProxyRoute;
    if (this.clientGone) {
      this.finish();
      return;
    }
    const code = errorCode(err);
    if (code === 'SKIFF_BODY_TOO_LARGE') {
      this.fail(413, 'SKIFF_BODY_TOO_LARGE', err.message, true);
      return;
    }
    if (timeoutCodes.has(code)) backend.series.timeouts++;
    if (retryableCodes.has(code)) backend.series.connectFailures++;
    if (!this.responded) this.upstreamFailed(route, backend);
    if (this.responded) {
      // Part of the answer already went out: the client must see a broken response, not a patched one.
      this.context.logger.warn(this.logDetails(err), 'upstream failed while streaming the answer');
      this.res.destroy(err);
      this.finish();
      return;
    }
    if (this.replayable && retryableCodes.has(code)) {
      if (this.attempts === 1 && this.retry(code)) return;
      if (this.holdForAnother(route, backend)) return;
    }
    this.context.logger.warn(this.logDetails(err), 'upstream request failed');
    if (timeoutCodes.has(code) && code !== 'UND_ERR_CONNECT_TIMEOUT') {
      this.fail(504, 'SKIFF_UPSTREAM_TIMEOUT', `instance ${backend.id} did not answer in time (${code})`);
    } else if (code === 'UND_ERR_INVALID_ARG') {
      this.fail(400, 'SKIFF_BAD_REQUEST', `the request cannot be forwarded: ${err.message}`);
    } else {
      this.fail(502, 'SKIFF_UPSTREAM_UNAVAILABLE', `instance ${backend.id} could not be reached (${code || err.message})`);
    }
  }

  private upstreamFailed(route: ProxyRoute, backend: ProxyBackend): void {
    const policy = route.state.policy;
    if (backend.upstream.failed(Date.now(), policy.consecutiveFailures, policy.ejectionMs)) {
      this.context.logger.warn(
        { route: route.id, instance: backend.id, failures: backend.upstream.consecutiveFailures, ejections: backend.upstream.ejections },
        'instance ejected after consecutive failures',
      );
    }
  }

  private retry(code: string): boolean {
    const failed = this.backend as ProxyBackend;
    const route = this.context.rematch(this);
    if (route === undefined) return false;
    const nowMs = Date.now();
    const group = this.retryGroup(route, failed);
    const next =
      pickBackend(group, failed.upstream, nowMs) ??
      (group !== route ? pickBackend((route.state.traffic as RouteTraffic<ProxyBackend>).eligible, failed.upstream, nowMs) : undefined) ??
      (staleConnectionCodes.has(code) ? route.backends.find((b) => b.upstream === failed.upstream) : undefined);
    if (next === undefined) return false;
    if (!route.state.budget.tryRetry((nowMs / 1000) | 0)) {
      this.context.logger.warn({ requestId: this.requestId, route: route.id }, 'retry budget exhausted: not retrying');
      return false;
    }
    failed.series.retries++;
    this.context.logger.info(
      { requestId: this.requestId, route: route.id, failed: failed.id, instance: next.id, code },
      'retrying the request once',
    );
    if (route !== this.route) {
      this.route = route;
      this.path = upstreamPath(route, this.url);
    }
    this.series = next.series;
    this.dispatch(next);
    return true;
  }

  /**
   * Every instance that could take the request is down at once (they crash together, or the one
   * left is being restarted): an idempotent request that got no answer waits for the table that
   * brings an instance back instead of failing.
   */
  private holdForAnother(route: ProxyRoute, failed: ProxyBackend): boolean {
    if (!this.context.hold(this)) return false;
    // The attempt ended without an answer and the request goes on: counted like a retry.
    failed.series.retries++;
    this.series = route.state.series;
    this.context.logger.info({ requestId: this.requestId, route: route.id, failed: failed.id }, 'no instance can take the request now: holding it');
    return true;
  }

  /** A retry stays within the release the request was sent to, under the current table. */
  private retryGroup(route: ProxyRoute, failed: ProxyBackend): BalancedRoute<ProxyBackend> {
    const traffic = route.state.traffic;
    if (traffic === null) return route;
    if (route === this.route && this.group !== undefined) return this.group;
    return traffic.groupOf(failed.release) ?? traffic.pick(this.req.rawHeaders);
  }

  /** Answers with the router's own error and ends the exchange. */
  fail(status: number, code: ErrorCode, message: string, closeConnection = false): void {
    if (this.done) return;
    if (!this.res.headersSent) {
      this.series?.respond(status);
      this.status = status;
    }
    sendRouterError(this.res, status, code, message, closeConnection || this.context.draining);
    this.finish();
  }

  private logDetails(err: Error): object {
    return {
      requestId: this.requestId,
      route: this.route?.id,
      instance: this.backend?.id,
      attempts: this.attempts,
      code: errorCode(err),
      err: err.message,
    };
  }
}
