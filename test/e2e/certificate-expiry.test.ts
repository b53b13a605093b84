/**
 * The certificate expiry alert end to end: the real `skiff up` serves a route's certificate from
 * files; its expiry is a metric, and the built-in `certificate-expiry` alert stays inactive for a
 * long-lived certificate and fires (event, `skiff alerts`, webhook) once a short-lived one replaces it.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertView } from '../../src/monitoring/alerts.js';
import type { AlertNotification } from '../../src/monitoring/webhook-notifier.js';
import { checkPromtool } from '../../src/core/testing/promtool.js';
import { createTestCa } from '../../src/edge/testing/test-certificates.js';
import { freePort, startPlatform, tempDir, waitFor, waitForReady, type Platform } from './platform.js';
import { tlsSpec } from './tls-spec.js';

let platform: Platform | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A webhook receiver on 127.0.0.1 that keeps what it is sent. */
async function startReceiver(): Promise<{ url: string; received: AlertNotification[] }> {
  const received: AlertNotification[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertNotification);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

describe('the certificate-expiry alert', () => {
  it('exposes the expiry as a metric, stays inactive for a long-lived certificate and fires once one expiring within 14 days is served', async () => {
    const certDir = tempDir('skiff-certs-');
    cleanups.push(() => fs.rmSync(certDir, { recursive: true, force: true }));
    const ca = await createTestCa(certDir);
    const longLived = await ca.issue('long', ['a.test'], { days: 90 });
    const shortLived = await ca.issue('short', ['a.test'], { days: 2 });
    const receiver = await startReceiver();
    platform = await startPlatform({
      spec: `${tlsSpec(await freePort())}notify:\n  - webhook: ${receiver.url}\n`,
      files: { 'certs/a.pem': longLived.cert, 'certs/a.key': longLived.key },
    });
    await waitForReady(platform, { echo: 2 });
    const current = platform;
    const certificateAlert = async (): Promise<AlertView | undefined> =>
      ((await (await current.fetch('/api/v1/alerts')).json()) as AlertView[]).find((alert) => alert.name === 'certificate-expiry');

    const quiet = await waitFor('the built-in alert evaluated', certificateAlert);
    expect(quiet).toMatchObject({ environment: 'dev', state: 'inactive', expr: 'certificateDaysLeft() < 14' });
    expect(quiet.value).toBeGreaterThan(89);
    const metrics = await (await platform.fetch('/metrics')).text();
    const expiry = Date.parse(new X509Certificate(longLived.cert).validTo) / 1000;
    expect(metrics).toContain(`skiff_certificate_expiry_timestamp_seconds{environment="dev",host="a.test",source="file"} ${expiry}`);
    checkPromtool(metrics);

    // The files are replaced (key, then certificate, by rename) with one that expires in 2 days.
    for (const [name, text] of [['a.key', shortLived.key], ['a.pem', shortLived.cert]] as const) {
      const target = path.join(platform.specDir, 'certs', name);
      fs.writeFileSync(`${target}.new`, text);
      fs.renameSync(`${target}.new`, target);
    }
    const firing = await waitFor('the alert firing', async () => {
      const alert = await certificateAlert();
      return alert?.state === 'firing' ? alert : undefined;
    });
    expect(firing.value).toBeLessThan(2);
    expect(platform.cli(['alerts', '--firing']).stdout).toMatch(/FIRING\s+certificate-expiry\s+dev\s+warning\s+certificateDaysLeft\(\) < 14/);
    const notification = await waitFor('the firing notification', () => receiver.received.find((hook) => hook.state === 'firing'));
    expect(notification).toMatchObject({ alert: 'certificate-expiry', environment: 'dev', severity: 'warning' });
    const shortExpiry = new Date(new X509Certificate(shortLived.cert).validTo).toISOString();
    expect(notification.message).toContain(`a.test (file) expires ${shortExpiry}`);
    const events = (await (await platform.fetch('/api/v1/events?limit=200')).json()) as { type: string; message: string }[];
    expect(events.find((event) => event.type === 'alert.firing')?.message).toContain('alert certificate-expiry firing (warning)');
    expect(platform.cli(['status']).stdout).toMatch(/CERTIFICATE EXPIRES SOON: a\.test \(file\) \d{4}-\d\d-\d\d \(1d left\)/);
  });
});
