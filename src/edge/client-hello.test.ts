import { createServer, type AddressInfo } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { peekClientHello } from './client-hello.js';

/** The first bytes a real TLS client (node:tls, OpenSSL) sends with these options. */
async function realClientHello(options: ConnectionOptions): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const received = new Promise<Buffer>((resolve) => {
      server.once('connection', (socket) => {
        let data = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          data = Buffer.concat([data, chunk]);
          // The record header says how long the hello is.
          if (data.length >= 5 && data.length >= 5 + data.readUInt16BE(3)) {
            resolve(data);
            socket.destroy();
          }
        });
      });
    });
    const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...options });
    client.on('error', () => {});
    const hello = await received;
    client.destroy();
    return hello;
  } finally {
    server.close();
  }
}

let acmeHello: Buffer;
let browserLikeHello: Buffer;
let bareHello: Buffer;
beforeAll(async () => {
  acmeHello = await realClientHello({ servername: 'Shop.Test', ALPNProtocols: ['acme-tls/1'] });
  browserLikeHello = await realClientHello({ servername: 'shop.test', ALPNProtocols: ['h2', 'http/1.1'] });
  bareHello = await realClientHello({ maxVersion: 'TLSv1.2' });
});

describe('the ClientHello read before the handshake', () => {
  it('gives the server name (lowercase) and the ALPN protocols offered', () => {
    expect(peekClientHello(acmeHello)).toEqual({ kind: 'hello', servername: 'shop.test', alpn: ['acme-tls/1'] });
    expect(peekClientHello(browserLikeHello)).toEqual({ kind: 'hello', servername: 'shop.test', alpn: ['h2', 'http/1.1'] });
    expect(peekClientHello(bareHello)).toEqual({ kind: 'hello', servername: undefined, alpn: [] });
  });

  it('asks for more bytes on every cut of a hello, and reads the whole hello at once', () => {
    for (let length = 0; length < acmeHello.length; length++) {
      expect(peekClientHello(acmeHello.subarray(0, length)).kind).toBe('incomplete');
    }
  });

  it('calls plain HTTP, other records and corrupted lengths unreadable, without throwing', () => {
    expect(peekClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')).kind).toBe('unreadable');
    const alert = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
    expect(peekClientHello(alert).kind).toBe('unreadable');
    // Every byte of the hello body replaced by 0xff in turn: an answer, never an exception.
    for (let at = 5; at < acmeHello.length; at++) {
      const corrupted = Buffer.from(acmeHello);
      corrupted[at] = 0xff;
      expect(['hello', 'unreadable']).toContain(peekClientHello(corrupted).kind);
    }
  });
});
