/**
 * Test helper: one TLS handshake as a validating ACME CA makes it (ALPN `acme-tls/1`) or as a
 * browser does, then `GET /` over HTTP/1.1 to see whether anything is served on the connection.
 * Not part of the build.
 */
import type { X509Certificate } from 'node:crypto';
import { connect, type ConnectionOptions } from 'node:tls';

export interface Handshake {
  readonly certificate: X509Certificate | undefined;
  readonly protocol: string | false | null;
  /** What the server sent after the handshake until it closed (or until an answer's head, or 5 s). */
  readonly afterwards: string;
}

export type HandshakeOutcome = Handshake | { readonly failed: string };

export const asAcmeValidation = (servername: string): ConnectionOptions => ({ servername, ALPNProtocols: ['acme-tls/1'] });
export const asBrowser = (servername: string): ConnectionOptions => ({ servername, ALPNProtocols: ['h2', 'http/1.1'] });

export function tlsHandshake(port: number, options: ConnectionOptions): Promise<HandshakeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      const certificate = socket.getPeerX509Certificate();
      const protocol = socket.alpnProtocol;
      let afterwards = '';
      socket.setEncoding('latin1');
      // Bounded: a challenge connection is closed by the server at once, an ordinary one kept alive.
      const timer = setTimeout(() => socket.destroy(), 5_000);
      socket.on('data', (chunk: string) => {
        afterwards += chunk;
        if (afterwards.includes('\r\n\r\n')) socket.destroy();
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ certificate, protocol, afterwards });
      });
      socket.write(`GET / HTTP/1.1\r\nHost: ${options.servername ?? ''}\r\n\r\n`);
    });
    socket.once('error', (err) => resolve({ failed: err.message }));
  });
}
