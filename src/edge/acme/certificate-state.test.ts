import { describe, expect, it } from 'vitest';
import { statusOf, type HostCertificate } from './certificate-state.js';

const order = { host: 'shop.test', email: 'ops@example.com', directory: 'https://ca.test/dir', challenge: 'http-01' as const };
const certificate = {
  host: 'shop.test',
  directory: order.directory,
  cert: 'PEM',
  key: 'PEM',
  issuer: 'Test CA',
  notBefore: '2026-12-01T00:00:00.000Z',
  notAfter: '2027-03-01T00:00:00.000Z',
  issuedAt: '2026-12-01T00:00:05.000Z',
};
const now = Date.parse('2026-12-06T12:00:00Z');
const host = (changes: Partial<HostCertificate>): HostCertificate => ({ order, certificate: null, attempts: 0, lastError: null, retryAt: null, ...changes });

describe('the state of an ACME host', () => {
  it.each([
    ['pending', host({}), false],
    ['pending', host({}), true],
    ['valid', host({ certificate }), false],
    ['renewing', host({ certificate }), true],
    ['failing', host({ certificate, attempts: 2, lastError: 'connection refused', retryAt: now + 60_000 }), true],
    ['failing', host({ attempts: 1, lastError: 'connection refused', retryAt: now + 60_000 }), false],
  ] as const)('is %s', (state, current, ordering) => {
    expect(statusOf('production', current, now, ordering).state).toBe(state);
  });

  it('keeps the error and the next attempt of a failing host', () => {
    const failing = statusOf('production', host({ certificate, attempts: 2, lastError: 'connection refused', retryAt: now + 60_000 }), now, false);
    expect(failing).toMatchObject({ lastError: 'connection refused', attempts: 2, renewedAt: certificate.issuedAt, notAfter: certificate.notAfter });
    expect(Date.parse(failing.nextAttemptAt!)).toBeGreaterThanOrEqual(now + 60_000);
  });
});
