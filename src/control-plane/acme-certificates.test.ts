/**
 * ACME against a real CA (Debian's pebble) validating HTTP-01 and TLS-ALPN-01 against the real
 * router process: the ACME loop puts the challenge in the router's table, pebble fetches it from
 * the router (or handshakes with it), and the certificate lands in the table and, encrypted, in
 * the SQLite database on disk.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.js';
import type { RouteTable } from '../core/route-table.js';
import { AcmeCertificates } from '../edge/acme/acme-certificates.js';
import { createAcmeClientAuthority } from '../edge/acme/acme-client-authority.js';
import type { AcmeEvent, CertificateAuthority, ChallengeAnswer } from '../edge/acme/ports.js';
import { freePort, startPebble, type Pebble } from '../edge/acme/testing/pebble.js';
import { asAcmeValidation, asBrowser, tlsHandshake, type HandshakeOutcome } from '../edge/testing/tls-handshake.js';
import { fetchRouteTable, publishRouteTable, routerHealth } from '../router/admin-client.js';
import { waitFor } from '../router/test-fixtures.js';
import { processScope } from '../router/testing/processes.js';
import { createAesGcmCipher } from '../store/secret-cipher.js';
import { openDatabase } from '../store/sqlite-store.js';
import { createCertificateVault } from './certificate-vault.js';

const scope = processScope('skiff-acme-');
const hasPebble = existsSync('/usr/bin/pebble') && existsSync('/usr/bin/pebble-challtestsrv');
const email = 'ops@example.com';
const minute = 60_000;

/** The wall clock, moved forward by the test to reach a renewal or a retry without waiting for it. */
class MovableClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

/**
 * Counts the orders the real authority is asked for. Pebble dates certificates by the wall clock,
 * so an order brings the moved clock back to it: the new certificate is not due at once.
 * `whileAnswered` runs while a challenge is answered by the router, before the CA is told to validate.
 */
function counted(authority: CertificateAuthority, clock: MovableClock): CertificateAuthority & { orders: number; whileAnswered?: (answer: ChallengeAnswer) => Promise<void> } {
  const wrapper: CertificateAuthority & { orders: number; whileAnswered?: (answer: ChallengeAnswer) => Promise<void> } = {
    orders: 0,
    createAccountKey: () => authority.createAccountKey(),
    issue: (request, board) => {
      wrapper.orders++;
      clock.offsetMs = 0;
      return authority.issue(request, {
        put: async (answer) => {
          await board.put(answer);
          await wrapper.whileAnswered?.(answer);
        },
        remove: (answer) => board.remove(answer),
      });
    },
  };
  return wrapper;
}

/** `tls`: the router has a TLS listener, pebble validates TLS-ALPN-01 on it and finds nothing listening on its HTTP port. */
async function setUp(name: string, options: { readonly validitySeconds?: number; readonly tls?: boolean } = {}) {
  const { validitySeconds, tls = false } = options;
  const dir = join(scope.dir, name);
  await mkdir(dir, { recursive: true });
  const router = scope.spawnRouter(tls ? ['--tls-listen', '127.0.0.1:0'] : [], dir);
  const plainPort = await router.port();
  const tlsPort = tls ? ((await routerHealth(router.socket))?.tlsPorts?.[0] ?? 0) : 0;
  const ports = tls ? { httpPort: await freePort(), tlsPort } : { httpPort: plainPort };
  const pebble: Pebble = await startPebble({ dir, ...ports, ...(validitySeconds ? { validitySeconds } : {}) });
  scope.cleanups.push(() => pebble.stop());
  const clock = new MovableClock();
  const authority = counted(createAcmeClientAuthority({ trust: pebble.trust, pollMinMs: 100, pollMaxMs: 500 }), clock);
  const key = randomBytes(32);
  let version = 0;
  const start = (): { certificates: AcmeCertificates; events: AcmeEvent[] } => {
    const database = openDatabase(join(dir, 'data'));
    scope.cleanups.push(async () => database.close());
    const events: AcmeEvent[] = [];
    const certificates: AcmeCertificates = new AcmeCertificates({
      environment: 'production',
      authority,
      vault: createCertificateVault(database, createAesGcmCipher(key), 'production'),
      clock,
      emit: (event) => events.push(event),
      // The environment controller's publish, reduced to what the router needs here.
      publish: async () => {
        const tls = certificates.tls();
        const table: RouteTable = { version: ++version, generatedAt: new Date().toISOString(), routes: [], ...(tls ? { tls } : {}) };
        await publishRouteTable(router.socket, table);
      },
      retry: { firstMs: minute, maxMs: 60 * minute },
    });
    scope.cleanups.push(async () => {
      certificates.close();
      await certificates.idle();
    });
    return { certificates, events };
  };
  const served = async (host: string): Promise<X509Certificate | undefined> => {
    const certificate = (await fetchRouteTable(router.socket)).tls?.certificates.find((candidate) => candidate.hosts.includes(host));
    return certificate ? new X509Certificate(certificate.cert) : undefined;
  };
  return { dir, router, tlsPort, pebble, authority, clock, start, served };
}

describe.skipIf(!hasPebble && !process.env.CI)('ACME certificates against pebble', () => {
  it('issues over HTTP-01 answered by the router, renews when due, and keeps the certificate through a restart', async () => {
    const { dir, router, pebble, authority, clock, start, served } = await setUp('issue', { validitySeconds: 600 });
    const first = start();
    first.certificates.follow([{ host: 'shop.test', email, directory: pebble.directory, challenge: 'http-01' }]);
    first.certificates.activate();
    await waitFor(() => first.certificates.status()[0]?.state === 'valid', 60_000, `a certificate (${JSON.stringify(first.certificates.status())})`);
    const issued = await served('shop.test');
    expect(issued?.subjectAltName).toBe('DNS:shop.test');
    expect(issued?.issuer).toContain('Pebble');
    expect(first.events).toEqual([{ kind: 'issued', host: 'shop.test', notAfter: new Date(issued!.validTo).toISOString(), issuer: expect.stringContaining('Pebble') }]);
    const status = first.certificates.status()[0]!;
    expect(status).toMatchObject({ host: 'shop.test', lastError: null, attempts: 0, notAfter: new Date(issued!.validTo).toISOString() });
    // A 10-minute certificate is renewed at 2/3 of its lifetime, not 30 days before it ends (at once).
    const lifetime = Date.parse(issued!.validTo) - Date.parse(issued!.validFrom);
    expect(Date.parse(status.nextAttemptAt!)).toBe(Date.parse(issued!.validFrom) + Math.floor((lifetime * 2) / 3));
    // The challenge was withdrawn from the table once answered.
    expect((await fetchRouteTable(router.socket)).tls?.acmeChallenges).toEqual({});

    clock.offsetMs = Date.parse(status.nextAttemptAt!) - Date.now() + 1_000;
    first.certificates.reconsider();
    await waitFor(() => first.events.some((event) => event.kind === 'renewed'), 60_000, 'the renewal');
    const renewed = await served('shop.test');
    expect(renewed?.serialNumber).not.toBe(issued?.serialNumber);
    expect(Date.parse(first.certificates.status()[0]!.renewedAt!)).toBeGreaterThanOrEqual(Date.parse(status.renewedAt!));
    expect(first.certificates.status()[0]?.notAfter).toBe(new Date(renewed!.validTo).toISOString());
    expect(authority.orders).toBe(2);

    first.certificates.close();
    const second = start();
    second.certificates.follow([{ host: 'shop.test', email, directory: pebble.directory, challenge: 'http-01' }]);
    // Before its router runs, the restarted loop already serves the kept certificate, for the router's first table.
    expect(second.certificates.tls()?.certificates.map((certificate) => certificate.hosts)).toEqual([['shop.test']]);
    second.certificates.activate();
    await second.certificates.idle();
    expect(second.certificates.status()[0]).toMatchObject({ state: 'valid', notAfter: new Date(renewed!.validTo).toISOString() });
    expect(second.certificates.tls()?.certificates.map((certificate) => new X509Certificate(certificate.cert).serialNumber)).toEqual([renewed?.serialNumber]);
    expect(authority.orders).toBe(2);
    expect(second.events).toEqual([]);
    // Kept encrypted: no PEM in the database files.
    for (const file of readdirSync(join(dir, 'data'))) expect(readFileSync(join(dir, 'data', file)).includes('BEGIN')).toBe(false);
  });

  it("shows a failed validation with the CA's error and retries it with a growing wait", async () => {
    const { pebble, authority, clock, start, served } = await setUp('failing');
    // The host's name points where no router listens (a DNS record not moved to this machine yet).
    await pebble.pointHost('moved.test', '127.0.0.9');
    const { certificates, events } = start();
    certificates.follow([{ host: 'moved.test', email, directory: pebble.directory, challenge: 'http-01' }]);
    certificates.activate();
    await waitFor(() => certificates.status()[0]?.state === 'failing', 60_000, 'the failed order');
    const failed = certificates.status()[0]!;
    expect(failed.lastError).toMatch(/127\.0\.0\.9.*(refused|connect)/i);
    expect(failed.attempts).toBe(1);
    const firstWait = Date.parse(failed.nextAttemptAt!) - clock.now();
    expect(firstWait).toBeGreaterThan(0.9 * minute);
    expect(firstWait).toBeLessThanOrEqual(minute);
    expect(events).toEqual([expect.objectContaining({ kind: 'failed', host: 'moved.test', attempts: 1, error: failed.lastError })]);
    expect(await served('moved.test')).toBeUndefined();

    // Not before its time: looking again a moment later orders nothing.
    certificates.reconsider();
    await certificates.idle();
    expect(authority.orders).toBe(1);

    clock.offsetMs = Date.parse(failed.nextAttemptAt!) - Date.now();
    certificates.reconsider();
    await waitFor(() => certificates.status()[0]?.attempts === 2, 60_000, 'the second attempt');
    const again = certificates.status()[0]!;
    const secondWait = Date.parse(again.nextAttemptAt!) - clock.now();
    expect(secondWait).toBeGreaterThan(1.9 * minute);
    expect(secondWait).toBeLessThanOrEqual(2 * minute);
    expect(again.lastError).toMatch(/moved\.test.*connection refused/);
  });

  it('issues over TLS-ALPN-01 answered in the TLS handshake, no HTTP needed, and never shows the challenge certificate to other clients', async () => {
    const { router, pebble, authority, clock, tlsPort, start, served } = await setUp('tls-alpn', { validitySeconds: 600, tls: true });
    const during: { validation: HandshakeOutcome; ordinary: HandshakeOutcome; challenge: string }[] = [];
    authority.whileAnswered = async (answer) => {
      if (answer.kind !== 'tls-alpn-01') throw new Error(`expected a tls-alpn-01 answer, got ${answer.kind}`);
      const [validation, ordinary] = await Promise.all([tlsHandshake(tlsPort, asAcmeValidation('shop.test')), tlsHandshake(tlsPort, asBrowser('shop.test'))]);
      during.push({ validation, ordinary, challenge: new X509Certificate(answer.cert).fingerprint256 });
    };
    const { certificates, events } = start();
    certificates.follow([{ host: 'shop.test', email, directory: pebble.directory, challenge: 'tls-alpn-01' }]);
    certificates.activate();
    await waitFor(() => certificates.status()[0]?.state !== 'pending', 60_000, `a certificate (${JSON.stringify(certificates.status())})`);
    expect(certificates.status()[0]).toMatchObject({ state: 'valid', lastError: null });
    const issued = await served('shop.test');
    expect(issued?.subjectAltName).toBe('DNS:shop.test');
    expect(issued?.issuer).toContain('Pebble');
    expect(events.map((event) => event.kind)).toEqual(['issued']);
    expect((await fetchRouteTable(router.socket)).tls?.acmeAlpnCertificates ?? []).toEqual([]);

    // While the challenge was answered: the CA's handshake got the challenge certificate, a
    // browser's got no handshake at all (the host had no certificate yet), as without a challenge.
    expect(during).toHaveLength(1);
    const [first] = during;
    if (!first || 'failed' in first.validation) throw new Error(`the validation handshake failed: ${JSON.stringify(first?.validation)}`);
    expect(first.validation.protocol).toBe('acme-tls/1');
    expect(first.validation.certificate?.fingerprint256).toBe(first.challenge);
    expect(first.validation.afterwards).toBe('');
    expect(first.ordinary).toEqual({ failed: expect.any(String) });

    // Served by SNI afterwards.
    const afterwards = await tlsHandshake(tlsPort, asBrowser('shop.test'));
    if ('failed' in afterwards) throw new Error(afterwards.failed);
    expect(afterwards.certificate?.serialNumber).toBe(issued?.serialNumber);

    // A renewal's challenge: browsers keep getting the certificate being renewed.
    clock.offsetMs = Date.parse(certificates.status()[0]!.nextAttemptAt!) - Date.now() + 1_000;
    certificates.reconsider();
    await waitFor(() => events.some((event) => event.kind === 'renewed'), 60_000, 'the renewal');
    const renewal = during[1];
    if (!renewal || 'failed' in renewal.validation || 'failed' in renewal.ordinary) throw new Error(`a handshake failed: ${JSON.stringify(renewal)}`);
    expect(renewal.validation.certificate?.fingerprint256).toBe(renewal.challenge);
    expect(renewal.ordinary.certificate?.serialNumber).toBe(issued?.serialNumber);
    expect(renewal.ordinary.protocol).toBe('h2');
  });
});
