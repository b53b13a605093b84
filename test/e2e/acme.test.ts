/**
 * Automatic certificates end to end: `skiff up` orders a certificate for a route's host from a
 * real ACME CA (Debian's pebble), which validates HTTP-01 (or TLS-ALPN-01) against the
 * environment's router; the certificate reaches the router's table, is an event, and a restarted
 * control plane serves the same certificate without ordering again.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchRouteTable } from '../../src/router/admin-client.js';
import { makePebbleCertificate, startPebble, type Pebble } from '../../src/edge/acme/testing/pebble.js';
import { asBrowser, tlsHandshake } from '../../src/edge/testing/tls-handshake.js';
import { echoSpec, freePort, startPlatform, tempDir, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';
import type { CertificateView } from '../../src/api/certificate-port.js';

const hasPebble = fs.existsSync('/usr/bin/pebble') && fs.existsSync('/usr/bin/pebble-challtestsrv');
let platform: Platform | undefined;
let pebble: Pebble | undefined;
afterEach(async () => {
  await platform?.stop();
  await pebble?.stop();
  platform = undefined;
  pebble = undefined;
});

interface EventJson {
  readonly id: number;
  readonly type: string;
  readonly message: string;
}

async function certificateEvents(current: Platform): Promise<EventJson[]> {
  const events = (await (await current.fetch('/api/v1/events?limit=500')).json()) as EventJson[];
  return events.filter((event) => event.type.startsWith('certificate.'));
}

/**
 * `skiff up` with the echo spec, then pebble validating against its router, then (after `prepare`)
 * the spec applied again with a route for `host` asking pebble for a certificate.
 */
async function platformWithAcmeRoute(host: string, prepare?: (started: Pebble) => Promise<void>): Promise<Platform> {
  const pebbleDir = tempDir('skiff-pebble-');
  const trust = await makePebbleCertificate(pebbleDir);
  const plain = echoSpec({ instances: 1 });
  const started = await startPlatform({ spec: plain, upEnv: { SKIFF_ACME_CA_FILE: trust } });
  platform = started;
  await waitForReady(started, { echo: 1 });
  pebble = await startPebble({ dir: pebbleDir, httpPort: Number(new URL(started.routerUrl).port) });
  await prepare?.(pebble);
  const withTls = plain.replace(
    '      - path: /echo\n',
    `      - path: /echo\n      - host: ${host}\n        tls: { acme: { email: ops@example.com, directory: "${pebble.directory}" } }\n`,
  );
  fs.writeFileSync(path.join(started.specDir, 'skiff.yaml'), withTls);
  expect(started.cli(['apply', 'skiff.yaml']).code).toBe(0);
  return started;
}

describe.skipIf(!hasPebble && !process.env.CI)('skiff up with tls: { acme }', () => {
  it('gets a certificate from the CA into the router and keeps it through a restart', async () => {
    platform = await platformWithAcmeRoute('shop.test');

    const socket = path.join(platform.dataDir, 'routers', 'dev', 'router.sock');
    const served = async (): Promise<X509Certificate | undefined> => {
      const certificate = (await fetchRouteTable(socket)).tls?.certificates.find((candidate) => candidate.hosts.includes('shop.test'));
      return certificate ? new X509Certificate(certificate.cert) : undefined;
    };
    const issued = await waitFor(`the certificate in the router's table (${platform.output()}${pebble?.output()})`, served, 60_000);
    expect(issued.subjectAltName).toBe('DNS:shop.test');
    expect(issued.issuer).toContain('Pebble');
    const events = await certificateEvents(platform);
    expect(events.map((event) => event.type)).toEqual(['certificate.issued']);
    expect(events[0]?.message).toContain('certificate for shop.test issued by Pebble');

    const versionBefore = (await fetchRouteTable(socket)).version;
    await platform.kill();
    await platform.restart();
    // The restarted control plane's tables carry the certificate from its first one on.
    const first = await waitFor('a table from the restarted control plane', async () => {
      const table = await fetchRouteTable(socket);
      return table.version > versionBefore ? table : undefined;
    }, 30_000);
    expect(first.tls?.certificates.map((certificate) => new X509Certificate(certificate.cert).serialNumber)).toEqual([issued.serialNumber]);
    expect((await served())?.serialNumber).toBe(issued.serialNumber);
    expect((await certificateEvents(platform)).map((event) => event.type)).toEqual(['certificate.issued']);
  });

  it('gets a certificate over TLS-ALPN-01 on the HTTPS listener, with nothing answering HTTP, and serves it by SNI', async () => {
    const pebbleDir = tempDir('skiff-pebble-');
    const trust = await makePebbleCertificate(pebbleDir);
    const tlsPort = await freePort();
    // Pebble's HTTP-01 port has nothing listening: only the TLS handshake can prove the host.
    pebble = await startPebble({ dir: pebbleDir, httpPort: await freePort(), tlsPort });
    const spec = echoSpec({ instances: 1 })
      .replace(
        '      - path: /echo\n',
        `      - path: /echo\n      - host: shop.test\n        tls: { acme: { email: ops@example.com, directory: "${pebble.directory}", challenge: tls-alpn-01 } }\n`,
      )
      .replace('environments:\n  dev: {}\n', `environments:\n  dev:\n    router:\n      listen: ["127.0.0.1:${tlsPort}/tls"]\n`);
    platform = await startPlatform({ spec, upEnv: { SKIFF_ACME_CA_FILE: trust } });
    const current = platform;

    // A browser's handshakes all along the order: a failure (no certificate yet) or the CA's certificate, never the challenge's.
    const seen = { failed: 0, issuers: new Set<string>() };
    const socket = path.join(current.dataDir, 'routers', 'dev', 'router.sock');
    const served = async (): Promise<X509Certificate | undefined> => {
      const outcome = await tlsHandshake(tlsPort, asBrowser('shop.test'));
      if ('failed' in outcome) seen.failed++;
      else if (outcome.certificate) seen.issuers.add(outcome.certificate.issuer);
      if ('failed' in outcome || !outcome.certificate?.issuer.includes('Pebble')) return undefined;
      return outcome.certificate;
    };
    const issued = await waitFor(`the certificate served by SNI (${current.output()}${pebble.output()})`, served, 90_000);
    expect(issued.subjectAltName).toBe('DNS:shop.test');
    expect([...seen.issuers].every((issuer) => issuer.includes('Pebble'))).toBe(true);
    const table = await fetchRouteTable(socket);
    expect(table.tls?.certificates.map((certificate) => certificate.hosts)).toEqual([['shop.test']]);
    expect(table.tls?.acmeAlpnCertificates ?? []).toEqual([]);
    expect((await certificateEvents(current)).map((event) => event.type)).toEqual(['certificate.issued']);
  });
  it("shows a failing order as failing with the CA's error in skiff certs, skiff status and the API", async () => {
    // The host's name points where no router listens: pebble's validation is refused.
    platform = await platformWithAcmeRoute('moved.test', (started) => started.pointHost('moved.test', '127.0.0.9'));
    const current = platform;
    const failing = await waitFor(`a failed order (${platform.output()}${pebble?.output()})`, async () => {
      const listed = (await (await current.fetch('/api/v1/certificates?environment=dev')).json()) as CertificateView[];
      return listed.find((view) => view.acme?.state === 'failing');
    }, 60_000);
    expect(failing).toMatchObject({ hosts: ['moved.test'], source: 'acme', notAfter: null, acme: { state: 'failing', attempts: 1 } });
    expect(failing.acme?.lastError).toMatch(/127\.0\.0\.9.*(refused|connect)/i);
    expect(Date.parse(failing.acme?.nextAttemptAt ?? '')).toBeGreaterThan(Date.now());

    const certs = platform.cli(['certs', '--env', 'dev']);
    expect(certs.code).toBe(0);
    const lines = certs.stdout.split('\n');
    expect(lines[0]).toMatch(/ENV\s+HOSTS\s+ISSUER\s+EXPIRES\s+OBTAINED\s+SOURCE\s+STATE/);
    expect(lines[1]).toMatch(/^dev\s+moved\.test\s+-\s+-\s+-\s+acme\s+failing$/);
    expect(lines[2]).toBe(`  moved.test: ${failing.acme?.lastError}`);
    expect(lines[3]).toMatch(/^    attempt 1 failed; next attempt at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    const status = platform.cli(['status', '--env', 'dev']);
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n').slice(1, 3)).toEqual([`CERTIFICATE FAILING: moved.test (acme, attempt 1): ${failing.acme?.lastError}`, '  details: skiff certs --env dev']);
    const json = platform.cli(['status', '--env', 'dev', '--json']);
    expect(JSON.parse(json.stdout).certificates).toEqual([failing]);
  }, 120_000);
});

