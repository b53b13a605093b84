/**
 * The data-plane HTTP server around a DataPlane: limits on the request head, answers to input
 * the parser refuses, upgraded connections, and draining. Shared by the single-process router
 * and each cluster worker. Connections start on the raw-socket fast path (fast-path/), which
 * gives them to node:http at the first request it does not serve itself.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import type { ErrorCode } from '../core/errors.js';
import type { CertificateContexts } from '../edge/certificate-contexts.js';
import { createSecureListener } from '../edge/secure-listener.js';
import type { DataPlane } from './data-plane.js';
import { installFastPath, type FastPathStats } from './fast-path/fast-path.js';
import { refusalAnswer } from './fast-path/raw-answers.js';
import { afterAnswers, exchangeReadingBody } from './proxy-exchange.js';
import { drainUpgrades, UpgradeProxy } from './upgrade-proxy.js';

/** An address to bind, or a listening socket inherited as a file descriptor (a successor primary's); `tls`: HTTPS and HTTP/2. */
export type ListenTarget = ({ readonly host: string; readonly port: number } | { readonly fd: number }) & { readonly tls?: boolean };

export interface DataServerOptions {
  /** Time a client has to send the whole request head (slow clients, slowloris). Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Largest request head. Default 16 KiB (Node's). */
  readonly maxHeaderBytes?: number;
  /** Serve plain requests on the raw-socket fast path. Default true. */
  readonly fastPath?: boolean;
  /** Listen with TLS, these certificates chosen by SNI; HTTP/2 offered by ALPN. */
  readonly tls?: CertificateContexts;
}

export interface DataServer {
  /** The HTTP/1.1 server. */
  readonly server: Server;
  /** The server that listens: `server` itself, or the TLS server in front of it. */
  readonly acceptor: NetServer;
  /** The fast path's counters; undefined when it is off. */
  readonly fastPath: FastPathStats | undefined;
  /** Resolves with the port it listens on. */
  listen(port: number, host: string): Promise<number>;
  /** Listens on an inherited listening socket; resolves with its port. */
  listenFd(fd: number): Promise<number>;
  /**
   * Stops accepting; answers requests that still arrive on open connections (with `Connection: close`)
   * for a short grace, then closes idle ones; waits for in-flight requests and upgraded connections
   * up to `timeoutMs`.
   */
  drain(timeoutMs: number): Promise<void>;
  /** Closes at once (a start that failed). */
  abort(): void;
}

/**
 * How long a draining server lets connections without a request in progress send one before it
 * closes them: the kernel may have handed it a connection just before it stopped accepting, and a
 * loaded machine can take a while to run the client that writes the request.
 */
const firstRequestGraceMs = 1_000;

const netServerClose = NetServer.prototype.close;

/** Clears node:http's timer for head deadlines, which only its own close() clears otherwise. */
function stopConnectionsCheck(server: Server): void {
  const key = Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === 'http.server.connectionsCheckingInterval');
  if (key !== undefined) clearInterval((server as unknown as Record<symbol, NodeJS.Timeout | undefined>)[key]);
}

function trackConnections(server: Server): Set<Socket> {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return open;
}

/** Closes the connections that have not sent a byte (and so have no answer on its way either). */
function closeSilent(open: ReadonlySet<Socket>): void {
  for (const socket of open) if (socket.bytesRead === 0) socket.destroy();
}

/** The parser's refusals: the status to answer with and the reason counted in the metrics. */
function classify(code: string | undefined): { status: number; text: string; reason: string } | undefined {
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, text: 'Request Header Fields Too Large', reason: 'header_too_large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, text: 'Request Timeout', reason: 'timeout' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CONTENT_LENGTH':
      return { status: 400, text: 'Bad Request', reason: 'ambiguous_length' };
    default:
      return { status: 400, text: 'Bad Request', reason: 'malformed' };
  }
}

function listen(server: NetServer, options: { port: number; host: string } | { fd: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Answers a connection node:http does not serve with the router's JSON error, and closes it. */
function endWith(socket: Socket, status: number, code: ErrorCode, message: string): void {
  socket.end(refusalAnswer(status, code, message));
  // A client that never reads must not keep the socket.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

export function createDataServer(plane: DataPlane, options: DataServerOptions = {}): DataServer {
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024;
  const server = createServer(
    {
      noDelay: true,
      headersTimeout,
      // Uploads may be long; the route's timeouts bound the exchange instead.
      requestTimeout: 0,
      maxHeaderSize: maxHeaderBytes,
      // Node checks the head deadline on this interval (30 s by default), too coarse for slow clients.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, headersTimeout / 2)),
    },
    plane.handle,
  );
  server.keepAliveTimeout = 5_000;
  // A client that half-closes after its requests (nc -N, HTTP/1.0 tools) still gets every answer;
  // node:http's default ends the connection at the client's FIN, losing them.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  const fast =
    options.fastPath === false
      ? undefined
      : installFastPath(server, plane, { headersTimeoutMs: headersTimeout, keepAliveTimeoutMs: server.keepAliveTimeout, maxHeaderBytes });
  if (fast === undefined && options.fastPath !== false) {
    plane.logger.warn({}, "node:http's connection handler was not found: serving every request through node:http (no fast path)");
  }
  // node:http counts a connection that has sent nothing yet as busy (its head deadline runs), so
  // closeIdleConnections() leaves it open; without the fast path, which closes its own, they are tracked here.
  const silent = fast === undefined ? trackConnections(server) : undefined;
  const secure =
    options.tls === undefined
      ? undefined
      : createSecureListener({
          contexts: options.tls,
          http1: server,
          handle: plane.handle,
          handshakeTimeoutMs: headersTimeout,
          onHandshakeError: () => plane.metrics.reject('tls_handshake'),
        });
  const acceptor: NetServer = secure?.acceptor ?? server;
  const upgrades = new UpgradeProxy(plane);
  server.on('upgrade', upgrades.handle);
  /** Connections whose parser failed and that have been answered (or closed) for it. */
  const refusedSockets = new WeakSet<Socket>();
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    plane.metrics.reject('malformed');
    endWith(socket, 400, 'SKIFF_METHOD_NOT_SUPPORTED', 'CONNECT is not supported: this router is a reverse proxy, not a forward proxy');
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // The parser reports again for every byte that follows its first failure: answer once.
    if (refusedSockets.has(socket)) return;
    const answer = classify(err.code);
    if (answer === undefined) {
      plane.metrics.reject('client_disconnected');
      socket.destroy();
      return;
    }
    plane.metrics.reject(answer.reason);
    refusedSockets.add(socket);
    const message = `${answer.text} (${err.code ?? 'parse error'})`;
    const broken = exchangeReadingBody(socket);
    if (broken !== undefined) {
      // The head was fine and the request is under way; its body is not: that request gets the 400.
      broken.refuseBrokenBody(`the request body is malformed (${err.code}: ${(err as Error & { reason?: string }).reason ?? err.message})`);
      return;
    }
    // Pipelined answers still going out come first; then the refusal, unless one of them closed the connection.
    afterAnswers(socket, () => {
      if (socket.writable) endWith(socket, answer.status, 'SKIFF_BAD_REQUEST', message);
      else socket.destroySoon();
    });
  });

  return {
    server,
    acceptor,
    fastPath: fast?.stats,
    listen: (port, host) => listen(acceptor, { port, host }),
    listenFd: (fd) => listen(acceptor, { fd }),
    abort: () => {
      acceptor.close();
      server.closeAllConnections();
      secure?.destroySessions();
    },
    drain: async (timeoutMs) => {
      const closed = new Promise<void>((resolve) => {
        let sweep: NodeJS.Timeout | undefined;
        secure?.closeSessions();
        const closeIdle = (): void => {
          server.closeIdleConnections();
          fast?.closeIdle();
          if (silent !== undefined) closeSilent(silent);
        };
        // Until then an accepted connection may still be sending its request (also the next one on
        // a kept-alive connection): it is answered with `Connection: close` instead of reset.
        const grace = setTimeout(() => {
          closeIdle();
          sweep = setInterval(closeIdle, 50);
        }, Math.min(timeoutMs, firstRequestGraceMs));
        const deadline = setTimeout(() => {
          server.closeAllConnections();
          secure?.destroySessions();
          fast?.destroyAll();
        }, timeoutMs);
        // net's close only stops accepting; node:http's would also close idle connections at once.
        // The server's count of open connections includes the fast path's: this waits for both.
        netServerClose.call(acceptor, () => {
          clearTimeout(grace);
          clearInterval(sweep);
          clearTimeout(deadline);
          fast?.stop();
          stopConnectionsCheck(server);
          resolve();
        });
      });
      await Promise.all([closed, drainUpgrades(upgrades.open, timeoutMs)]);
    },
  };
}
