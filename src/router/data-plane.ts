/**
 * The request path: match the compiled table, pick a backend, hand the request to a ProxyExchange.
 * A new table is compiled once on arrival and swapped in with one assignment.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { emptyRouteTable, type RouteTable } from '../core/route-table.js';
import { sendRouterError } from './error-response.js';
import { RequestIds, rewriteRequestHeaders } from './forward-headers.js';
import { ProxyExchange, type ExchangeContext, type ProxyBackend, type ProxyRoute, type RouterLogger } from './proxy-exchange.js';
import { compileTable, hostWithoutPort, matchRoute, upstreamPath, type CompiledTable } from './route-matcher.js';
import { UpstreamSet, upstreamKey, type Upstream } from './upstreams.js';

export interface DataPlaneOptions {
  readonly logger: RouterLogger;
  /** Default 60 s: waiting for the answer's headers, and between body chunks. */
  readonly upstreamTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Largest request body kept in memory so a retry can send it again. Default 1 MiB. */
  readonly maxReplayBodyBytes?: number;
}

export class DataPlane implements ExchangeContext {
  readonly logger: RouterLogger;
  draining = false;
  private compiled: CompiledTable<ProxyBackend>;
  private readonly upstreams: UpstreamSet;
  private readonly ids = new RequestIds();
  private readonly maxReplayBodyBytes: number;

  constructor(options: DataPlaneOptions) {
    this.logger = options.logger;
    this.maxReplayBodyBytes = options.maxReplayBodyBytes ?? 1024 * 1024;
    this.upstreams = new UpstreamSet({
      timeoutMs: options.upstreamTimeoutMs ?? 60_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    });
    this.compiled = this.compile(emptyRouteTable);
  }

  get table(): RouteTable {
    return this.compiled.table;
  }

  /** Uses `table` for the next request; the caller has checked its version. */
  apply(table: RouteTable): void {
    this.compiled = this.compile(table);
  }

  private compile(table: RouteTable): CompiledTable<ProxyBackend> {
    const upstreams = this.upstreams.replace(table);
    return compileTable(table, (backend) => ({
      id: backend.id,
      release: backend.release,
      upstream: upstreams.get(upstreamKey(backend)) as Upstream,
    }));
  }

  rematch(exchange: ProxyExchange): ProxyRoute | undefined {
    return matchRoute(this.compiled, exchange.host, exchange.url);
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
    const exchange = new ProxyExchange(this, req, res);
    rewriteRequestHeaders(req.rawHeaders, req.socket.remoteAddress, this.ids, exchange);
    if (exchange.hostHeader !== undefined) exchange.host = hostWithoutPort(exchange.hostHeader);
    const route = matchRoute(this.compiled, exchange.host, exchange.url);
    if (route === undefined) {
      const where = `${exchange.host ?? ''}${exchange.url.split('?', 1)[0]}`;
      sendRouterError(res, 404, 'SKIFF_NO_ROUTE', `no route matches ${where}`, this.draining);
      return;
    }
    if (route.backends.length === 0) {
      sendRouterError(res, 503, 'SKIFF_NO_READY_INSTANCE', `route ${route.id} has no ready instance`, this.draining);
      return;
    }
    exchange.route = route;
    exchange.path = upstreamPath(route, exchange.url);
    const retryMethod = route.retryMethods.has(req.method ?? '');
    if (!exchange.chunked && exchange.contentLength <= 0) {
      exchange.replayable = retryMethod;
      exchange.start();
    } else if (retryMethod && !exchange.chunked && exchange.contentLength <= this.maxReplayBodyBytes) {
      exchange.replayable = true;
      bufferBody(req, exchange);
    } else {
      exchange.body = req;
      exchange.start();
    }
  }

  async close(graceMs: number): Promise<void> {
    await this.upstreams.closeAll(graceMs);
  }
}

/** Reads a small body into memory so it can be sent twice; then starts the exchange. */
function bufferBody(req: IncomingMessage, exchange: ProxyExchange): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
  });
  req.on('end', () => {
    exchange.body = Buffer.concat(chunks, size);
    exchange.start();
  });
}
