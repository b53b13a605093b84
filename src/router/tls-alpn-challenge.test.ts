/**
 * TLS-ALPN-01 on the router's TLS listener: a handshake offering ALPN `acme-tls/1` for a host with
 * a pending challenge gets the challenge certificate and nothing else; every other client of the
 * host gets what it gets without a challenge.
 */
import { X509Certificate } from 'node:crypto';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import * as acme from 'acme-client';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AcmeAlpnCertificate, RouteTable, TlsCertificate } from '../core/route-table.js';
import { createTestCa, type TestCa, type TestCertificate } from '../edge/testing/test-certificates.js';
import { route, table } from './test-fixtures.js';
import { testScope } from './testing/test-scope.js';

const scope = testScope({ scratch: 'skiff-tls-alpn-' });
const keyAuthorization = 'tok_en1.thumbprint';
let ca: TestCa;
let certA: TestCertificate;
let challengeA: AcmeAlpnCertificate;

beforeEach(async () => {
  ca = await createTestCa(scope.dir);
  certA = await ca.issue('a', ['a.test']);
  const authorization = { identifier: { type: 'dns', value: 'a.test' } } as acme.Authorization;
  const [key, cert] = await acme.crypto.createAlpnCertificate(authorization, keyAuthorization, await acme.crypto.createPrivateEcdsaKey());
  challengeA = { host: 'a.test', cert: cert.toString(), key: key.toString() };
});

const fileCertificate = (certificate: TestCertificate): TlsCertificate => ({ hosts: ['a.test'], cert: certificate.cert, key: certificate.key, source: 'file' });

function withTls(base: RouteTable, certificates: readonly TlsCertificate[], acmeAlpnCertificates: readonly AcmeAlpnCertificate[]): RouteTable {
  return { ...base, tls: { certificates, acmeChallenges: {}, acmeAlpnCertificates } };
}

interface Handshake {
  readonly certificate: X509Certificate | undefined;
  readonly protocol: string | false | null;
  /** What the server sent after the handshake, given `GET /` over HTTP/1.1, until it closed. */
  readonly afterwards: string;
}

/** A handshake as a validating CA (ALPN acme-tls/1 only) or as a browser makes it, then a request. */
function handshake(port: number, options: ConnectionOptions): Promise<Handshake | { readonly failed: string }> {
  return new Promise((resolve) => {
    const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      const certificate = socket.getPeerX509Certificate();
      const protocol = socket.alpnProtocol;
      let afterwards = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (afterwards += chunk));
      // Bounded: the server closes a challenge connection at once and keeps an ordinary one alive.
      const timer = setTimeout(() => socket.destroy(), 5_000);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ certificate, protocol, afterwards });
      });
      socket.on('data', () => {
        if (afterwards.includes('\r\n\r\n')) socket.destroy();
      });
      socket.write(`GET / HTTP/1.1\r\nHost: ${options.servername ?? ''}\r\n\r\n`);
    });
    socket.once('error', (err) => resolve({ failed: err.message }));
  });
}

const asAcme = { servername: 'a.test', ALPNProtocols: ['acme-tls/1'] };
const asBrowser = { servername: 'a.test', ALPNProtocols: ['h2', 'http/1.1'] };

function isChallengeCertificate(certificate: X509Certificate | undefined): boolean {
  try {
    return certificate !== undefined && acme.crypto.isAlpnCertificateAuthorizationValid(certificate.toString(), keyAuthorization);
  } catch {
    return false; // acme-client throws for a certificate without the acmeIdentifier extension
  }
}

describe('TLS-ALPN-01 answered by the router', () => {
  it('gives the challenge certificate to an acme-tls/1 handshake only, serves nothing on it, and keeps the real certificate for everyone else', async () => {
    const [backend] = await scope.backends('a');
    const { router } = await scope.router({ tlsListen: [{ host: '127.0.0.1', port: 0 }] });
    const port = router.tlsPorts[0] as number;
    const routes = [route({ host: 'a.test', backends: [backend!.asRouteBackend()] })];
    await router.publish(withTls(table(1, routes), [fileCertificate(certA)], [challengeA]));

    const validation = await handshake(port, asAcme);
    if ('failed' in validation) throw new Error(validation.failed);
    expect(validation.protocol).toBe('acme-tls/1');
    expect(isChallengeCertificate(validation.certificate)).toBe(true);
    expect(validation.afterwards).toBe('');
    expect(backend!.seen).toEqual([]);

    const browser = await handshake(port, { ...asBrowser, ALPNProtocols: ['http/1.1'], ca: ca.pem, rejectUnauthorized: true });
    if ('failed' in browser) throw new Error(browser.failed);
    expect(browser.certificate?.fingerprint256).toBe(new X509Certificate(certA.cert).fingerprint256);
    expect(isChallengeCertificate(browser.certificate)).toBe(false);
    expect(browser.afterwards).toMatch(/^HTTP\/1\.1 200 /);

    // acme-tls/1 for a host without a challenge: the ordinary handshake, no challenge certificate.
    const otherHost = await handshake(port, { ...asAcme, servername: 'b.test' });
    expect('failed' in otherHost || !isChallengeCertificate(otherHost.certificate)).toBe(true);

    // The challenge answered: withdrawn from the table, and from the listener.
    await router.publish(withTls(table(2, routes), [fileCertificate(certA)], []));
    const late = await handshake(port, asAcme);
    expect('failed' in late || !isChallengeCertificate(late.certificate)).toBe(true);
  });

  it('answers a challenge for a host before it has any certificate, whose other clients still get no handshake', async () => {
    const { router } = await scope.router({ tlsListen: [{ host: '127.0.0.1', port: 0 }] });
    const port = router.tlsPorts[0] as number;
    await router.publish(withTls(table(1, []), [], [challengeA]));

    const validation = await handshake(port, asAcme);
    if ('failed' in validation) throw new Error(validation.failed);
    expect(isChallengeCertificate(validation.certificate)).toBe(true);
    expect(await handshake(port, asBrowser)).toEqual({ failed: expect.any(String) });
  });
});
