/**
 * One proxied request: an undici dispatch handler that streams the upstream answer to the client
 * with backpressure, and retries once on another backend when the connection failed before any
 * answer byte arrived. It implements undici's classic handler callbacks because undici's HTTP/1
 * client calls those directly; the newer controller API is wrapped (and re-parses headers) per request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../core/errors.js';
import { pickBackend } from './balancer.js';
import { sendRouterError } from './error-response.js';
import { rewriteResponseHeaders, type RequestHead } from './forward-headers.js';
import { upstreamPath, type CompiledRoute } from './route-matcher.js';
import type { Upstream } from './upstreams.js';

export interface ProxyBackend {
  readonly id: string;
  readonly release: string;
  readonly upstream: Upstream;
}

export type ProxyRoute = CompiledRoute<ProxyBackend>;

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

/**
 * A reset on a kept-alive connection usually means the instance closed an idle socket as the
 * request went out; the same instance may answer on a fresh connection, so with a single backend
 * the retry goes there.
 */
const staleConnectionCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

const exchangeKey = Symbol('skiff.exchange');

type ResponseWithExchange = ServerResponse & { [exchangeKey]?: ProxyExchange };

function onClientClose(this: ResponseWithExchange): void {
  this[exchangeKey]?.clientClosed();
}

function onClientDrain(this: ResponseWithExchange): void {
  this[exchangeKey]?.resumeUpstream();
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export class ProxyExchange implements RequestHead, Dispatcher.DispatchHandler {
  headers: string[] = [];
  hostHeader: string | undefined = undefined;
  contentLength = -1;
  chunked = false;
  requestId = '';

  readonly url: string;
  /** Lower-cased host without port, as used for matching. */
  host: string | undefined = undefined;
  route: ProxyRoute | undefined = undefined;
  path = '';
  body: Buffer | IncomingMessage | null = null;
  /** The method is in the route's retry list and the body, if any, can be sent again. */
  replayable = false;

  private readonly context: ExchangeContext;
  private readonly req: IncomingMessage;
  private readonly res: ResponseWithExchange;
  private backend: ProxyBackend | undefined = undefined;
  private attempts = 0;
  private abortUpstream: ((err?: Error) => void) | null = null;
  private resume: (() => void) | null = null;
  private responded = false;
  /** The current attempt finished (answered or failed) and released its in-flight slot. */
  private settled = true;
  private clientGone = false;

  constructor(context: ExchangeContext, req: IncomingMessage, res: ServerResponse) {
    this.context = context;
    this.req = req;
    this.res = res;
    this.url = req.url ?? '/';
    (res as ResponseWithExchange)[exchangeKey] = this;
    res.on('close', onClientClose);
  }

  /** Sends the request to a backend of `route`; the caller checked the route has one. */
  start(): void {
    const route = this.route;
    if (this.clientGone || route === undefined) return;
    const backend = pickBackend(route);
    if (backend === undefined) {
      this.fail(503, 'SKIFF_NO_READY_INSTANCE', `route ${route.id} has no ready instance`);
      return;
    }
    this.dispatch(backend);
  }

  private dispatch(backend: ProxyBackend): void {
    this.backend = backend;
    this.attempts++;
    this.settled = false;
    this.abortUpstream = null;
    backend.upstream.inFlight++;
    backend.upstream.pool.dispatch(
      {
        path: this.path,
        method: this.req.method as Dispatcher.HttpMethod,
        headers: this.headers,
        body: this.body,
      },
      this,
    );
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.backend !== undefined) this.backend.upstream.inFlight--;
  }

  clientClosed(): void {
    if (this.settled && this.attempts > 0) return;
    if (this.res.writableFinished) return;
    this.clientGone = true;
    this.abortUpstream?.(new Error('client closed the connection'));
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
    const backend = this.backend as ProxyBackend;
    // Throws on header values Node refuses to send; undici then aborts and onError answers 502.
    this.res.writeHead(statusCode, rewriteResponseHeaders(rawHeaders, backend.id, this.context.draining));
    this.responded = true;
    return true;
  }

  onData(chunk: Buffer): boolean {
    const res = this.res;
    if (res.write(chunk)) return true;
    res.once('drain', onClientDrain);
    return false;
  }

  onComplete(): void {
    this.settle();
    this.res.end();
  }

  onError(err: Error): void {
    this.settle();
    if (this.clientGone) return;
    if (this.responded) {
      // Part of the answer already went out: the client must see a broken response, not a patched one.
      this.context.logger.warn(this.logDetails(err), 'upstream failed while streaming the answer');
      this.res.destroy(err);
      return;
    }
    const code = errorCode(err);
    if (this.attempts === 1 && this.replayable && retryableCodes.has(code) && this.retry(code)) return;
    this.context.logger.warn(this.logDetails(err), 'upstream request failed');
    switch (code) {
      case 'UND_ERR_HEADERS_TIMEOUT':
        this.fail(504, 'SKIFF_UPSTREAM_TIMEOUT', `instance ${this.backend?.id} did not answer in time`);
        return;
      case 'UND_ERR_INVALID_ARG':
        this.fail(400, 'SKIFF_BAD_REQUEST', `the request cannot be forwarded: ${err.message}`);
        return;
      default:
        this.fail(502, 'SKIFF_UPSTREAM_UNAVAILABLE', `instance ${this.backend?.id} could not be reached (${code || err.message})`);
    }
  }

  private retry(code: string): boolean {
    const failed = this.backend as ProxyBackend;
    const route = this.context.rematch(this);
    if (route === undefined) return false;
    const next =
      pickBackend(route, failed.upstream) ??
      (staleConnectionCodes.has(code) ? route.backends.find((b) => b.upstream === failed.upstream) : undefined);
    if (next === undefined) return false;
    this.context.logger.info(
      { requestId: this.requestId, route: route.id, failed: failed.id, instance: next.id, code },
      'retrying the request once',
    );
    if (route !== this.route) {
      this.route = route;
      this.path = upstreamPath(route, this.url);
    }
    this.dispatch(next);
    return true;
  }

  private fail(status: number, code: ErrorCode, message: string): void {
    sendRouterError(this.res, status, code, message, this.context.draining);
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
