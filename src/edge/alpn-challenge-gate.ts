/**
 * TLS-ALPN-01 (RFC 8737) on a TLS listener. While a challenge is pending, each new connection's
 * ClientHello is read before the handshake: one that offers ALPN `acme-tls/1` for a host with a
 * pending challenge gets that host's challenge certificate, a completed handshake and nothing
 * else (the validation ends with the handshake). Every other connection goes, its bytes put
 * back unread, to the listener's own handshake and gets what it would have got anyway. With no
 * challenge pending, connections go straight to the listener's handshake.
 *
 * Node's SNICallback is told the server name only, not the ALPN offer, hence the read ahead.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext, type Server as TlsServer } from 'node:tls';
import { peekClientHello, type ClientHelloPeek } from './client-hello.js';

export const acmeTlsProtocol = 'acme-tls/1';

export interface AlpnChallenges {
  readonly challenging: boolean;
  challengeFor(servername: string | undefined): SecureContext | undefined;
}

export interface AlpnChallengeGateOptions {
  readonly challenges: AlpnChallenges;
  /** A client that sends no whole ClientHello in this time, or does not finish the challenge handshake, is dropped. */
  readonly timeoutMs: number;
  readonly onHandshakeError?: (err: Error) => void;
}

/** Puts the gate in front of `acceptor`'s own connection handling (its handshake). */
export function gateAlpnChallenges(acceptor: TlsServer, options: AlpnChallengeGateOptions): void {
  const handshake = acceptor.listeners('connection') as ((socket: Socket) => void)[];
  acceptor.removeAllListeners('connection');
  const ordinary = (socket: Socket): void => {
    for (const listener of handshake) listener.call(acceptor, socket);
  };
  acceptor.on('connection', (socket: Socket) => {
    if (!options.challenges.challenging) return ordinary(socket);
    readClientHello(socket, options.timeoutMs, (hello) => {
      const context = hello.kind === 'hello' && hello.alpn.includes(acmeTlsProtocol) ? options.challenges.challengeFor(hello.servername) : undefined;
      if (context === undefined) ordinary(socket);
      else answerChallenge(socket, context, options);
    });
  });
}

/** Reads up to the whole first record, then puts what it read back on the socket. */
function readClientHello(socket: Socket, timeoutMs: number, done: (hello: ClientHelloPeek) => void): void {
  let received: Buffer = Buffer.alloc(0);
  const finish = (hello: ClientHelloPeek): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.off('error', onError);
    socket.pause();
    if (received.length > 0) socket.unshift(received);
    done(hello);
  };
  const onData = (chunk: Buffer): void => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const hello = peekClientHello(received);
    if (hello.kind !== 'incomplete') finish(hello);
  };
  const onClose = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
  };
  const onError = (): void => {
    socket.destroy();
  };
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  socket.on('data', onData);
  socket.once('close', onClose);
  socket.on('error', onError);
}

function answerChallenge(socket: Socket, context: SecureContext, options: AlpnChallengeGateOptions): void {
  const secure = new TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: [acmeTlsProtocol] });
  const timer = setTimeout(() => secure.destroy(), options.timeoutMs);
  secure.once('secure', () => {
    clearTimeout(timer);
    secure.end();
  });
  secure.once('close', () => clearTimeout(timer));
  secure.on('error', (err: Error) => {
    options.onHandshakeError?.(err);
    secure.destroy();
  });
  // Nothing is served on this connection: whatever the client sends after the handshake is dropped.
  secure.resume();
}
