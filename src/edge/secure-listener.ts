/**
 * A TLS listener in front of an HTTP/1.1 server and an HTTP/2 one: the handshake picks the
 * certificate by SNI and the protocol by ALPN, then the decrypted connection is given to the
 * HTTP/1.1 server (`h2` not offered by the client) or to the HTTP/2 server, exactly as a plain
 * connection would be. So HTTPS/1.1 keeps every behaviour of the plain listener (its refusals,
 * upgrades, draining), and HTTP/2 requests reach the same request handler through node:http2's
 * compatibility API. Handshakes are asynchronous: a slow client delays only itself, and one that
 * does not finish in `handshakeTimeoutMs` is dropped. ACME's TLS-ALPN-01 validations are
 * answered before any of this, by the challenge gate.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Server, type ServerHttp2Session } from 'node:http2';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { gateAlpnChallenges } from './alpn-challenge-gate.js';
import type { CertificateContexts } from './certificate-contexts.js';
import { alpnProtocols, tlsSettings } from './tls-settings.js';

export interface SecureListenerOptions {
  readonly contexts: CertificateContexts;
  /** Serves the connections that chose HTTP/1.1 (it never listens itself). */
  readonly http1: HttpServer;
  /** The request handler for HTTP/2 streams (node:http2's compatibility request and response). */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  readonly handshakeTimeoutMs: number;
  /** A handshake failed (bad client, no certificate): counted by the caller. */
  readonly onHandshakeError?: (err: Error) => void;
}

export interface SecureListener {
  /** The server that listens. */
  readonly acceptor: TlsServer;
  readonly h2: Http2Server;
  /** Sends GOAWAY on every HTTP/2 session: streams under way finish, no new ones start. */
  closeSessions(): void;
  destroySessions(): void;
}

export function createSecureListener(options: SecureListenerOptions): SecureListener {
  // HTTP/2 wants one handler type; the compatibility API's request and response stand in for node:http's.
  const h2 = createHttp2Server({}, options.handle as unknown as Parameters<typeof createHttp2Server>[1]);
  const sessions = new Set<ServerHttp2Session>();
  h2.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const acceptor = createTlsServer(
    { ...tlsSettings, SNICallback: options.contexts.sniCallback, ALPNProtocols: alpnProtocols, handshakeTimeout: options.handshakeTimeoutMs },
    (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') h2.emit('connection', socket);
      else options.http1.emit('connection', socket);
    },
  );
  options.contexts.serve(acceptor);
  gateAlpnChallenges(acceptor, {
    challenges: options.contexts,
    timeoutMs: options.handshakeTimeoutMs,
    ...(options.onHandshakeError ? { onHandshakeError: options.onHandshakeError } : {}),
  });
  acceptor.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    options.onHandshakeError?.(err);
    socket.destroy();
  });
  // node:http starts its checks of request-head deadlines when its server listens: this one never does itself.
  acceptor.once('listening', () => options.http1.emit('listening'));
  return {
    acceptor,
    h2,
    closeSessions: () => {
      for (const session of sessions) session.close();
    },
    destroySessions: () => {
      for (const session of sessions) session.destroy();
    },
  };
}
