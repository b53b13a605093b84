/**
 * The request path: match the compiled table, apply the route's limits, pick a backend, hand the
 * request to a ProxyExchange. A new table is compiled once on arrival and swapped in with one
 * assignment. Requests for a route without a ready instance are held (bounded) until a table
 * brings one, or until their hold time runs out; for a route marked `wake` the control plane is
 * asked for an instance (`onWake`), and the wait is measured.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as http2Constants, type Http2ServerResponse } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { emptyRouteTable, type RouteTable } from '../core/route-table.js';
import { CertificateContexts } from '../edge/certificate-contexts.js';
import { acmeChallengePrefix, acmeChallengeToken, hstsValue, httpsLocation } from '../edge/plain-answers.js';
import { checkedHttp2Body, incompleteHttp2Body, limitBody } from './body-limit.js';
import type { DrainAddress, DrainResult } from './drain.js';
import { sendRouterError } from './error-response.js';
import { http2Malformation, RequestIds, rewriteRequestHeaders, useAuthority } from './forward-headers.js';
import { RouterMetrics } from './metrics.js';
import { ProxyExchange, type ExchangeContext, type ProxyBackend, type ProxyRoute, type RouterLogger } from './proxy-exchange.js';
import { resolveTarget } from './request-target.js';
import { compileTable, matchRoute, upstreamPath, type CompiledTable } from './route-matcher.js';
import { AnswerCapture } from './parallel/capture.js';
import { sendCopies } from './parallel/mirror-dispatch.js';
import type { MirrorSettings } from './parallel/mirror-settings.js';
import { ParallelRuns, type ParallelRunsOptions } from './parallel/parallel-runs.js';
import { needsTraffic, RouteTraffic } from './release-picker.js';
import { RouteStates, type RouteState } from './route-state.js';
import { RouterTracer } from './tracing/router-tracer.js';
import { UpstreamSet, upstreamKey, type Upstream } from './upstreams.js';
import { wakeStep } from '../core/wake-trace.js';

export interface DataPlaneOptions {
  readonly logger: RouterLogger;
  /** Default connect timeout of routes that set none. */
  readonly connectTimeoutMs?: number;
  /** Largest request body kept in memory so a retry can send it again. Default 1 MiB. */
  readonly maxReplayBodyBytes?: number;
  readonly metrics?: RouterMetrics;
  /** Parallel-run copies: concurrency and timeout. */
  readonly parallel?: ParallelRunsOptions;
  /** A request is held for a `wake` route without instances: ask for one (repeated while it waits). */
  readonly onWake?: (environment: string, service: string) => void;
}

/** While requests wait, the wake is asked again this often, in case the first ask was lost. */
const wakeRepeatMs = 1000;

/** How often held requests and whole-exchange deadlines are checked. */
const sweepEveryMs = 50;

export class DataPlane implements ExchangeContext {
  readonly logger: RouterLogger;
  readonly metrics: RouterMetrics;
  draining = false;
  readonly parallel: ParallelRuns;
  /** The TLS listeners' certificates, from the table. */
  readonly certificates = new CertificateContexts();
  /** Where plain requests of a `redirectHttps` route are sent: the first TLS listener's port. */
  httpsPort = 443;
  private compiled: CompiledTable<ProxyBackend, RouteState<ProxyBackend>>;
  /** Release choice per route id, kept so weighted round robin and mirror shares carry over. */
  private traffic = new Map<string, RouteTraffic<ProxyBackend>>();
  private readonly upstreams: UpstreamSet;
  private readonly states: RouteStates;
  private readonly ids = new RequestIds();
  private readonly maxReplayBodyBytes: number;
  /** Exchanges with a whole-exchange deadline. */
  private readonly timed = new Set<ProxyExchange>();
  /** Exchanges waiting for a ready instance, in arrival order. */
  private held: ProxyExchange[] = [];
  private readonly heldByRoute = new Map<string, number>();
  /** performance.now() of the last wake asked, per route id. */
  private readonly wokenAt = new Map<string, number>();
  private readonly onWake: ((environment: string, service: string) => void) | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private currentTracer: RouterTracer | null = null;

  constructor(options: DataPlaneOptions) {
    this.logger = options.logger;
    this.metrics = options.metrics ?? new RouterMetrics();
    this.maxReplayBodyBytes = options.maxReplayBodyBytes ?? 1024 * 1024;
    this.upstreams = new UpstreamSet({ connectTimeoutMs: options.connectTimeoutMs ?? 5_000 });
    this.states = new RouteStates(this.metrics);
    this.parallel = new ParallelRuns(options.parallel);
    this.onWake = options.onWake;
    this.compiled = this.compile(emptyRouteTable);
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  /** The table's tracing; null: trace headers pass through and no span is recorded. */
  get tracer(): RouterTracer | null {
    return this.currentTracer;
  }

  get table(): RouteTable {
    return this.compiled.table;
  }

  /** Uses `table` for the next request; the caller has checked its version. */
  apply(table: RouteTable): void {
    // First: the only step that can fail (a key that does not fit), before anything changed.
    if (table.tls !== this.compiled.table.tls) this.certificates.update(table.tls?.certificates ?? [], table.tls?.acmeAlpnCertificates);
    this.applyTracing(table);
    this.compiled = this.compile(table);
    if (this.held.length > 0) this.releaseHeld();
  }

  /** A table that changes the tracing settings gets a new tracer; the old one sends what it has and stops. */
  private applyTracing(table: RouteTable): void {
    const wanted = table.tracing;
    const current = this.currentTracer?.config;
    if (wanted?.otlpUrl === current?.otlpUrl && wanted?.samplePercent === current?.samplePercent) return;
    this.closeTracer();
    this.currentTracer = wanted === undefined ? null : new RouterTracer(wanted, this.metrics.traces);
  }

  private closeTracer(): void {
    const tracer = this.currentTracer;
    this.currentTracer = null;
    tracer?.close().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'closing the tracer failed'));
  }

  private compile(table: RouteTable): CompiledTable<ProxyBackend, RouteState<ProxyBackend>> {
    const upstreams = this.upstreams.replace(table);
    const stateOf = this.states.build<ProxyBackend>(table.routes);
    const labels = [];
    const compiled = compileTable(
      table,
      (backend, entry) => {
        const series = { route: entry.id, service: entry.service, environment: entry.environment, release: backend.release };
        labels.push(series);
        return {
          id: backend.id,
          release: backend.release,
          upstream: upstreams.get(upstreamKey(backend)) as Upstream,
          series: this.metrics.get(series),
        };
      },
      stateOf,
    );
    for (const entry of table.routes) labels.push({ route: entry.id, service: entry.service, environment: entry.environment, release: '' });
    this.metrics.retain(labels);
    this.compileTraffic(compiled);
    return compiled;
  }

  /** Attaches release choice to the routes that need it; plain routes keep `traffic === null`. */
  private compileTraffic(compiled: CompiledTable<ProxyBackend, RouteState<ProxyBackend>>): void {
    const previous = this.traffic;
    const next = new Map<string, RouteTraffic<ProxyBackend>>();
    const attach = (route: ProxyRoute): void => {
      if (!needsTraffic(route.entry)) return;
      const traffic = new RouteTraffic(route.entry, route.backends, previous.get(route.id));
      route.state.traffic = traffic;
      next.set(route.id, traffic);
    };
    for (const route of compiled.anyHost) attach(route);
    for (const routes of compiled.byHost.values()) for (const route of routes) attach(route);
    this.traffic = next;
  }

  rematch(exchange: ProxyExchange): ProxyRoute | undefined {
    return matchRoute(this.compiled, exchange.host, exchange.url);
  }

  match(host: string | undefined, url: string): ProxyRoute | undefined {
    return matchRoute(this.compiled, host, url);
  }

  finished(exchange: ProxyExchange): void {
    if (exchange.limiter !== undefined) exchange.limiter.inFlight--;
    if (exchange.deadline !== 0) this.timed.delete(exchange);
  }

  /** The request listener of the data-plane HTTP server. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      this.route(req, res);
    } catch (err) {
      // A fault in one request must not take the router (and every other request) down.
      this.logger.error({ err: (err as Error).message, stack: (err as Error).stack }, 'request handling failed');
      sendRouterError(res, 500, 'SKIFF_INTERNAL', 'the router failed to handle this request', this.draining);
    }
  };

  private route(req: IncomingMessage, res: ServerResponse): void {
    const startMs = performance.now();
    const exchange = new ProxyExchange(this, req, res, startMs);
    const tracer = this.tracer;
    const secure = (req.socket as TLSSocket).encrypted === true;
    if (!secure && exchange.target.startsWith(acmeChallengePrefix) && this.answerChallenge(exchange, res)) return;
    if (exchange.http2 && this.refuseMalformedHttp2(exchange, req, res)) return;
    rewriteRequestHeaders(req.rawHeaders, req.socket, this.ids, exchange, tracer !== null);
    const refusal = resolveTarget(exchange, exchange);
    if (refusal !== undefined) {
      exchange.answeredByRouter();
      // Counted like node:http parser's own refusals of the same kind.
      this.metrics.reject(refusal.code === 'SKIFF_UNSUPPORTED_TRANSFER_ENCODING' ? 'ambiguous_length' : 'malformed');
      sendRouterError(res, 400, refusal.code, refusal.message, true);
      return;
    }
    if (exchange.authority !== undefined) useAuthority(exchange.headers, exchange.authority);
    // An HTTP/2 body without content-length is of unknown length, as a chunked one.
    if (exchange.http2 && exchange.contentLength < 0 && !(res as unknown as Http2ServerResponse).stream.endAfterHeaders) exchange.chunked = true;
    const route = matchRoute(this.compiled, exchange.host, exchange.url);
    if (route === undefined) {
      exchange.answeredByRouter();
      this.metrics.unmatched++;
      const where = `${exchange.host ?? ''}${exchange.url.split('?', 1)[0]}`;
      sendRouterError(res, 404, 'SKIFF_NO_ROUTE', `no route matches ${where}`, this.draining);
      return;
    }
    if (secure) {
      if (route.entry.hsts !== undefined) exchange.hsts = hstsValue(route.entry.hsts);
    } else if (route.entry.redirectHttps === true && exchange.host !== undefined) {
      exchange.answeredByRouter();
      this.redirectToHttps(route, res, httpsLocation(exchange.host, exchange.url, this.httpsPort), startMs);
      return;
    }
    const state = route.state;
    const policy = state.policy;
    if (state.rateLimiter !== undefined && !this.admitRate(route, req, res, startMs)) {
      exchange.answeredByRouter();
      return;
    }
    if (policy.maxBodyBytes > 0 && exchange.contentLength > policy.maxBodyBytes) {
      exchange.answeredByRouter();
      this.refuse(route, res, startMs, 413, 'SKIFF_BODY_TOO_LARGE', `the body is larger than ${policy.maxBodyBytes} bytes`, true);
      return;
    }
    if (state.limiter.inFlight >= policy.maxConcurrent) {
      exchange.answeredByRouter();
      this.refuse(route, res, startMs, 503, 'SKIFF_SERVICE_OVERLOADED', `service ${route.entry.service} has too many requests in flight`, false, 1);
      return;
    }
    if (tracer !== null) {
      const trace = tracer.begin(exchange, exchange.method, route.entry, startMs);
      exchange.trace = trace;
      exchange.headers.push('traceparent', trace.traceparent);
      if (trace.tracestate !== undefined) exchange.headers.push('tracestate', trace.tracestate);
    }
    state.limiter.inFlight++;
    exchange.limiter = state.limiter;
    exchange.route = route;
    exchange.series = state.series;
    exchange.path = upstreamPath(route, exchange.url);
    if (policy.totalMs > 0) {
      exchange.deadline = startMs + policy.totalMs;
      this.timed.add(exchange);
    }
    const retryMethod = route.retryMethods.has(req.method ?? '');
    const traffic = state.traffic;
    if (traffic !== null && traffic.mirror !== null) this.selectForMirror(exchange, traffic.mirror, req.method ?? '');
    if (!exchange.chunked && exchange.contentLength <= 0) {
      exchange.replayable = retryMethod;
      this.startOrHold(exchange);
    } else if ((retryMethod || exchange.capture !== null) && !exchange.chunked && exchange.contentLength <= this.maxReplayBodyBytes) {
      exchange.replayable = retryMethod;
      bufferBody(req, exchange, this);
    } else {
      if (exchange.http2) exchange.body = checkedHttp2Body(req, exchange.contentLength, policy.maxBodyBytes);
      else exchange.body = exchange.chunked && policy.maxBodyBytes > 0 ? limitBody(req, policy.maxBodyBytes) : req;
      this.startOrHold(exchange);
    }
  }

  /** Copies need the body again: only requests whose body is small enough to keep are eligible. */
  private selectForMirror(exchange: ProxyExchange, mirror: MirrorSettings, method: string): void {
    if (exchange.chunked || exchange.contentLength > this.maxReplayBodyBytes) return;
    if (mirror.select(method)) exchange.capture = new AnswerCapture();
  }

  /** The client has its answer: send the copies to the candidate and to a second trusted instance. */
  mirror(exchange: ProxyExchange): void {
    sendCopies(exchange, this.rematch(exchange), this.parallel, this.logger);
  }

  /**
   * Waits until nothing is in flight to `addresses` and their connections are closed, or until
   * `timeoutMs`. Their idle keep-alive connections close at once.
   */
  async drainBackends(addresses: readonly DrainAddress[], timeoutMs: number): Promise<DrainResult> {
    const keys = new Set(addresses.map(upstreamKey));
    const started = performance.now();
    this.upstreams.recycle(keys);
    for (;;) {
      const { busy, closing } = this.upstreams.pending(keys);
      const waitedMs = Math.round(performance.now() - started);
      if (busy === 0 && !closing) return { drained: true, inFlight: 0, waitedMs };
      if (waitedMs >= timeoutMs) return { drained: busy === 0, inFlight: busy, waitedMs };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private admitRate(route: ProxyRoute, req: IncomingMessage, res: ServerResponse, startMs: number): boolean {
    const limit = route.state.policy.rateLimit!;
    const headerValue = limit.header === undefined ? undefined : req.headers[limit.header];
    const key = (typeof headerValue === 'string' ? headerValue : headerValue?.[0]) ?? req.socket.remoteAddress ?? '';
    const wait = route.state.rateLimiter!.take(key, Date.now());
    if (wait === 0) return true;
    this.refuse(route, res, startMs, 429, 'SKIFF_RATE_LIMITED', `rate limit of route ${route.id} reached`, false, wait);
    return false;
  }

  /** A malformed HTTP/2 request ends its stream with PROTOCOL_ERROR (RFC 9113 §8.1.1), as the parser's refusals. */
  private refuseMalformedHttp2(exchange: ProxyExchange, req: IncomingMessage, res: ServerResponse): boolean {
    const malformation = http2Malformation(req.rawHeaders);
    if (malformation === undefined) return false;
    exchange.answeredByRouter();
    this.metrics.reject('malformed');
    (res as unknown as Http2ServerResponse).stream.close(http2Constants.NGHTTP2_PROTOCOL_ERROR);
    return true;
  }

  /** An ACME HTTP-01 challenge the table has an answer for; false: the request goes on as any other. */
  private answerChallenge(exchange: ProxyExchange, res: ServerResponse): boolean {
    const challenges = this.table.tls?.acmeChallenges;
    const token = challenges === undefined ? undefined : acmeChallengeToken(exchange.target);
    const answer = token === undefined ? undefined : challenges?.[token];
    if (answer === undefined || (exchange.method !== 'GET' && exchange.method !== 'HEAD')) return false;
    exchange.answeredByRouter();
    res.writeHead(200, ['content-type', 'text/plain', 'content-length', String(Buffer.byteLength(answer)), 'cache-control', 'no-store']);
    res.end(exchange.method === 'HEAD' ? undefined : answer);
    return true;
  }

  private redirectToHttps(route: ProxyRoute, res: ServerResponse, location: string, startMs: number): void {
    const series = route.state.series;
    series.requests++;
    series.respond(308);
    series.observe(performance.now() - startMs);
    res.writeHead(308, ['location', location, 'content-length', '0', ...(this.draining ? ['connection', 'close'] : [])]);
    res.end();
  }

  /** An answer of the router's own before the request was admitted, counted on the route. */
  private refuse(
    route: ProxyRoute,
    res: ServerResponse,
    startMs: number,
    status: number,
    code: Parameters<typeof sendRouterError>[2],
    message: string,
    closeConnection: boolean,
    retryAfterSeconds?: number,
  ): void {
    const series = route.state.series;
    series.requests++;
    series.respond(status);
    series.observe(performance.now() - startMs);
    sendRouterError(res, status, code, message, closeConnection || this.draining, retryAfterSeconds);
  }

  startOrHold(exchange: ProxyExchange): void {
    if (exchange.start(Date.now())) {
      if (exchange.wakeSince !== 0) {
        wakeStep('router.forwarded');
        const entry = (exchange.route as ProxyRoute).entry;
        this.metrics.observeWake(entry.environment, entry.service, performance.now() - exchange.wakeSince);
        exchange.wakeSince = 0;
      }
      return;
    }
    if (this.hold(exchange)) return;
    const route = exchange.route as ProxyRoute;
    exchange.series = route.state.series;
    route.state.series.requests++;
    exchange.fail(503, 'SKIFF_NO_READY_INSTANCE', `route ${route.id} has no ready instance`);
  }

  /**
   * Keeps the exchange until the next table or its hold time ends, and wakes a service scaled to
   * zero; false when the route cannot hold more.
   */
  hold(exchange: ProxyExchange): boolean {
    const route = exchange.route as ProxyRoute;
    const policy = route.state.policy;
    const held = this.heldByRoute.get(route.id) ?? 0;
    if (policy.holdMs <= 0 || held >= policy.maxPending || this.draining) return false;
    if (exchange.holdUntil === 0) exchange.holdUntil = performance.now() + policy.holdMs;
    this.heldByRoute.set(route.id, held + 1);
    this.held.push(exchange);
    this.metrics.held = this.held.length;
    if (route.entry.wake === true && route.backends.length === 0) this.wake(route, exchange);
    return true;
  }

  private wake(route: ProxyRoute, exchange: ProxyExchange): void {
    const now = performance.now();
    if (exchange.wakeSince === 0) exchange.wakeSince = now;
    if (this.onWake === undefined || now - (this.wokenAt.get(route.id) ?? -Infinity) < wakeRepeatMs) return;
    this.wokenAt.set(route.id, now);
    wakeStep('router.wake-asked');
    this.onWake(route.entry.environment, route.entry.service);
  }

  /** A new table arrived: every held request tries again under it (and is held again if still without instance). */
  private releaseHeld(): void {
    const waiting = this.held;
    this.held = [];
    this.heldByRoute.clear();
    for (const exchange of waiting) {
      if (exchange.gone) continue;
      const route = this.rematch(exchange);
      if (route === undefined) {
        exchange.fail(404, 'SKIFF_NO_ROUTE', `no route matches ${exchange.url} any more`);
        continue;
      }
      if (route !== exchange.route) {
        exchange.route = route;
        exchange.path = upstreamPath(route, exchange.url);
      }
      this.startOrHold(exchange);
    }
    this.metrics.held = this.held.length;
  }

  private sweep(): void {
    const now = performance.now();
    if (this.held.length > 0) {
      const keep: ProxyExchange[] = [];
      for (const exchange of this.held) {
        if (exchange.gone) {
          this.unhold(exchange);
        } else if (exchange.holdUntil <= now || this.draining) {
          this.unhold(exchange);
          const route = exchange.route as ProxyRoute;
          route.state.series.requests++;
          exchange.fail(503, 'SKIFF_NO_READY_INSTANCE', `route ${route.id} had no ready instance within ${route.state.policy.holdMs} ms`);
        } else {
          keep.push(exchange);
          const route = exchange.route as ProxyRoute;
          if (route.entry.wake === true && route.backends.length === 0) this.wake(route, exchange);
        }
      }
      this.held = keep;
      this.metrics.held = keep.length;
    }
    if (this.timed.size > 0) {
      for (const exchange of this.timed) if (exchange.deadline <= now) exchange.timedOut();
    }
  }

  private unhold(exchange: ProxyExchange): void {
    const id = (exchange.route as ProxyRoute).id;
    const count = this.heldByRoute.get(id) ?? 0;
    if (count <= 1) this.heldByRoute.delete(id);
    else this.heldByRoute.set(id, count - 1);
  }

  async close(graceMs: number): Promise<void> {
    clearInterval(this.sweeper);
    this.draining = true;
    this.sweep();
    this.closeTracer();
    await this.upstreams.closeAll(graceMs);
  }
}

/** Reads a small body into memory so it can be sent twice; then starts the exchange. */
function bufferBody(req: IncomingMessage, exchange: ProxyExchange, plane: DataPlane): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
  });
  req.on('end', () => {
    // A reset HTTP/2 stream ends its body too; its exchange ends with the stream's close.
    if (exchange.http2 && incompleteHttp2Body(req, size, exchange.contentLength)) return;
    exchange.body = Buffer.concat(chunks, size);
    plane.startOrHold(exchange);
  });
}
