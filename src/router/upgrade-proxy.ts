/**
 * Upgraded connections (WebSocket): the request head is rewritten like any other, sent to a
 * chosen instance on a fresh TCP connection, and from then on bytes flow both ways untouched.
 * The router tracks these sockets so draining can wait for them.
 */
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { pickBackend } from './balancer.js';
import { RequestIds, rewriteRequestHeaders, useAuthority, type RequestHead } from './forward-headers.js';
import type { ProxyRoute, RouterLogger } from './proxy-exchange.js';
import { resolveTarget, type ResolvedTarget, type TargetHead } from './request-target.js';
import { upstreamPath } from './route-matcher.js';

export interface UpgradeContext {
  readonly logger: RouterLogger;
  readonly draining: boolean;
  match(host: string | undefined, url: string): ProxyRoute | undefined;
}

function refuse(socket: Socket, status: number, reason: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  socket.destroy();
}

class Head implements RequestHead, TargetHead, ResolvedTarget {
  headers: string[] = [];
  hostHeader: string | undefined = undefined;
  hostHeaders = 0;
  contentLength = -1;
  chunked = false;
  transferEncoding: string | undefined = undefined;
  requestId = '';
  /** Upgrades pass trace headers through: they are never taken out here. */
  traceparent: string | undefined = undefined;
  tracestate: string | undefined = undefined;
  host: string | undefined = undefined;
  url: string;
  authority: string | undefined = undefined;

  constructor(
    readonly method: string,
    readonly target: string,
  ) {
    this.url = target;
  }
}

export class UpgradeProxy {
  /** Client sockets of upgraded connections still open. */
  readonly open = new Set<Socket>();
  private readonly ids = new RequestIds();

  constructor(private readonly context: UpgradeContext) {}

  readonly handle = (req: IncomingMessage, client: Socket, head: Buffer): void => {
    if (this.context.draining) {
      refuse(client, 503, 'Service Unavailable');
      return;
    }
    const request = new Head(req.method ?? 'GET', req.url ?? '/');
    rewriteRequestHeaders(req.rawHeaders, client, this.ids, request);
    if (resolveTarget(request, request) !== undefined) {
      refuse(client, 400, 'Bad Request');
      return;
    }
    if (request.authority !== undefined) useAuthority(request.headers, request.authority);
    const url = request.url;
    const route = this.context.match(request.host, url);
    if (route === undefined) {
      refuse(client, 404, 'Not Found');
      return;
    }
    const traffic = route.state.traffic;
    const backend = pickBackend(traffic === null ? route : traffic.pick(req.rawHeaders), null, Date.now());
    if (backend === undefined) {
      refuse(client, 503, 'Service Unavailable');
      return;
    }
    backend.series.requests++;
    const lines = [`${req.method ?? 'GET'} ${upstreamPath(route, url)} HTTP/1.1`];
    const headers = request.headers;
    for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
    lines.push('connection: upgrade', `upgrade: ${req.headers.upgrade ?? 'websocket'}`, '', '');

    const key = backend.upstream.key;
    const colon = key.lastIndexOf(':');
    const upstream = connect({ host: key.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(key.slice(colon + 1)) });
    upstream.setNoDelay(true);
    const connectMs = route.state.policy.connectMs;
    if (connectMs > 0) upstream.setTimeout(connectMs, () => upstream.destroy(new Error('connect timeout')));
    this.open.add(client);
    // Counted on the address (and uncounted once, on close) so draining that instance waits for it.
    const counter = backend.upstream;
    counter.upgraded++;
    let counted = true;
    const uncount = (): void => {
      if (counted) counter.upgraded--;
      counted = false;
    };
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      upstream.write(lines.join('\r\n'));
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (err) => {
      if (!connected) {
        backend.series.connectFailures++;
        this.context.logger.warn({ route: route.id, instance: backend.id, err: err.message }, 'upgrade: instance unreachable');
        refuse(client, 502, 'Bad Gateway');
      } else {
        client.destroy();
      }
    });
    client.on('error', () => upstream.destroy());
    client.once('close', () => {
      this.open.delete(client);
      uncount();
      upstream.destroy();
    });
    upstream.once('close', () => {
      uncount();
      client.destroy();
    });
  };
}

/** Waits until no upgraded connection is open, or destroys the rest after `timeoutMs`. */
export async function drainUpgrades(open: Set<Socket>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  for (const socket of open) socket.destroy();
}
