/**
 * The edge end to end: `skiff up` with a TLS listener in `router.listen` and a route's
 * certificate from files; the files renewed under load; bad certificate files refused at apply.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { connect as connectTls } from 'node:tls';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestCa, type TestCa, type TestCertificate } from '../../src/edge/testing/test-certificates.js';
import { freePort, startPlatform, tempDir, waitFor, waitForReady, type Platform } from './platform.js';
import { tlsSpec } from './tls-spec.js';

let platform: Platform | undefined;
const scratch: string[] = [];
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The fingerprint of the certificate a new handshake gets for a.test. */
function servedFingerprint(port: number, ca: TestCa): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, servername: 'a.test', ca: ca.pem }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

function fingerprintOf(certificate: TestCertificate): string {
  return new X509Certificate(certificate.cert).fingerprint256;
}

/** GETs over HTTPS until stopped (bounded in time and count): 4 kept-alive connections and one new handshake per request. */
function httpsLoad(port: number, ca: TestCa, maxMs: number) {
  const pool = new Pool(`https://127.0.0.1:${port}`, { connections: 4, connect: { ca: ca.pem, servername: 'a.test' } });
  const figures = { ok: 0, failed: 0, failures: [] as string[] };
  let stopped = false;
  const deadline = Date.now() + maxMs;
  const going = () => !stopped && Date.now() < deadline && figures.ok + figures.failed < 50_000;
  const count = (status: number, detail: string) => {
    if (status === 200) figures.ok++;
    else {
      figures.failed++;
      if (figures.failures.length < 5) figures.failures.push(detail);
    }
  };
  const keptAlive = async () => {
    while (going()) {
      try {
        const answer = await pool.request({ path: '/echo/', method: 'GET', headers: { host: 'a.test' } });
        count(answer.statusCode, await answer.body.text());
      } catch (err) {
        count(0, String(err));
      }
    }
  };
  const fresh = async () => {
    while (going()) {
      const status = await new Promise<number>((resolve) => {
        const req = httpsRequest({ host: '127.0.0.1', port, path: '/echo/', servername: 'a.test', headers: { host: 'a.test' }, ca: ca.pem, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.end();
      });
      count(status, `new connection: ${status}`);
    }
  };
  const loops = Promise.all([keptAlive(), keptAlive(), keptAlive(), keptAlive(), fresh()]);
  return {
    get ok() {
      return figures.ok;
    },
    async stop() {
      stopped = true;
      await loops;
      await pool.close();
      return figures;
    },
  };
}

describe('skiff up with a TLS listener', () => {
  it('serves HTTPS and HTTP/2 with the route files\' certificate, reloads renewed files under load with no failed request, and lists it in skiff certs', async () => {
    const certDir = tempDir('skiff-certs-');
    scratch.push(certDir);
    const ca = await createTestCa(certDir);
    const first = await ca.issue('first', ['a.test']);
    const renewed = await ca.issue('renewed', ['a.test']);
    const tlsPort = await freePort();
    platform = await startPlatform({ spec: tlsSpec(tlsPort), files: { 'certs/a.pem': first.cert, 'certs/a.key': first.key } });
    await waitForReady(platform, { echo: 2 });
    await waitFor('the first certificate served', async () => (await servedFingerprint(tlsPort, ca).catch(() => '')) === fingerprintOf(first));

    const { stdout } = await promisify(execFile)('curl', [
      '--silent', '--http2', '--cacert', ca.path, '--resolve', `a.test:${tlsPort}:127.0.0.1`, '--include',
      '--write-out', '\\n%{http_version}', `https://a.test:${tlsPort}/echo/`,
    ]);
    expect(stdout.trim().split('\n').at(-1)).toBe('2');
    expect(stdout).toMatch(/strict-transport-security: max-age=31536000/);

    const load = httpsLoad(tlsPort, ca, 30_000);
    await waitFor('answers under load', () => load.ok > 20);
    // A renewal: the key, then the certificate, each replaced by rename as tools such as certbot do.
    for (const [name, text] of [['a.key', renewed.key], ['a.pem', renewed.cert]] as const) {
      const target = path.join(platform.specDir, 'certs', name);
      fs.writeFileSync(`${target}.new`, text);
      fs.renameSync(`${target}.new`, target);
    }
    await waitFor('the renewed certificate served', async () => (await servedFingerprint(tlsPort, ca)) === fingerprintOf(renewed));
    const before = load.ok;
    await waitFor('answers after the renewal', () => load.ok > before + 20);
    const figures = await load.stop();
    expect(figures.failures).toEqual([]);
    expect(figures.failed).toBe(0);

    const certs = platform.cli(['certs', '--json']);
    expect(certs.code).toBe(0);
    const listed = JSON.parse(certs.stdout) as { environment: string; hosts: string[]; issuer: string; source: string; fingerprint256: string; daysLeft: number }[];
    expect(listed).toEqual([expect.objectContaining({ environment: 'dev', hosts: ['a.test'], issuer: 'Skiff Tests, Skiff Test CA', source: 'file', fingerprint256: fingerprintOf(renewed) })]);
    expect(listed[0]?.daysLeft).toBeGreaterThanOrEqual(0);
  });

  it('refuses an apply whose certificate file is missing, does not fit its key, or has expired, naming the field, and keeps serving the one it has', async () => {
    const certDir = tempDir('skiff-certs-');
    scratch.push(certDir);
    const ca = await createTestCa(certDir);
    const good = await ca.issue('good', ['a.test']);
    const other = await ca.issue('other', ['a.test']);
    const expired = await ca.issue('expired', ['a.test'], { expired: true });
    const tlsPort = await freePort();
    platform = await startPlatform({
      spec: tlsSpec(tlsPort),
      files: { 'certs/a.pem': good.cert, 'certs/a.key': good.key, 'certs/other.key': other.key, 'certs/old.pem': expired.cert, 'certs/old.key': expired.key },
    });
    await waitForReady(platform, { echo: 2 });
    await waitFor('the certificate served', async () => (await servedFingerprint(tlsPort, ca).catch(() => '')) === fingerprintOf(good));
    const revisions = platform.cli(['history']).stdout;

    const cases: [string, string, RegExp][] = [
      ['certs/missing.pem', 'certs/a.key', /services\.echo\.routes\.0\.tls\.cert: .*missing\.pem: no such file/],
      ['certs/a.pem', 'certs/other.key', /services\.echo\.routes\.0\.tls\.key: .*the private key does not belong to the certificate/],
      ['certs/old.pem', 'certs/old.key', /services\.echo\.routes\.0\.tls\.cert: .*the certificate expired on 2020-01-02/],
    ];
    for (const [cert, key, message] of cases) {
      fs.writeFileSync(path.join(platform.specDir, 'skiff.yaml'), tlsSpec(tlsPort).replace('tls: { cert: certs/a.pem, key: certs/a.key }', `tls: { cert: ${cert}, key: ${key} }`));
      const applied = platform.cli(['apply', '-m', 'bad certificate']);
      expect(applied.code).not.toBe(0);
      expect(applied.stderr).toMatch(message);
      expect(applied.stderr).toContain('SKIFF_TLS_CERTIFICATE_INVALID');
    }
    expect(platform.cli(['history']).stdout).toBe(revisions);
    expect(await servedFingerprint(tlsPort, ca)).toBe(fingerprintOf(good));
  });
});
