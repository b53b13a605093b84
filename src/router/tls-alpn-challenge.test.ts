/**
 * TLS-ALPN-01 on the router's TLS listener: a handshake offering ALPN `acme-tls/1` for a host with
 * a pending challenge gets the challenge certificate and nothing else; every other client of the
 * host gets what it gets without a challenge.
 */
import { X509Certificate } from 'node:crypto';
import * as acme from 'acme-client';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AcmeAlpnCertificate, RouteTable, TlsCertificate } from '../core/route-table.js';
import { asAcmeValidation, asBrowser, tlsHandshake as handshake } from '../edge/testing/tls-handshake.js';
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

const asAcme = asAcmeValidation('a.test');
const browser = asBrowser('a.test');

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

    const ordinary = await handshake(port, { ...browser, ALPNProtocols: ['http/1.1'], ca: ca.pem, rejectUnauthorized: true });
    if ('failed' in ordinary) throw new Error(ordinary.failed);
    expect(ordinary.certificate?.fingerprint256).toBe(new X509Certificate(certA.cert).fingerprint256);
    expect(isChallengeCertificate(ordinary.certificate)).toBe(false);
    expect(ordinary.afterwards).toMatch(/^HTTP\/1\.1 200 /);

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
    expect(await handshake(port, browser)).toEqual({ failed: expect.any(String) });
  });
});
