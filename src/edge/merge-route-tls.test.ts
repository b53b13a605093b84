import { describe, expect, it } from 'vitest';
import type { RouteTls } from '../core/route-table.js';
import { mergeRouteTls } from './merge-route-tls.js';

const files: RouteTls = { certificates: [{ hosts: ['a.example.com'], cert: 'A', key: 'a', source: 'file' }] };
const acme: RouteTls = { certificates: [{ hosts: ['b.example.com'], cert: 'B', key: 'b', source: 'acme' }], acmeChallenges: { token: 'token.key' }, acmeAlpnCertificates: [{ host: 'c.example.com', cert: 'C', key: 'c' }] };

describe('one TLS section for the router from route files and ACME', () => {
  it('serves both sources’ certificates and keeps the pending ACME challenges', () => {
    const merged = mergeRouteTls(files, acme);
    expect(merged?.certificates.map((certificate) => certificate.hosts[0])).toEqual(['a.example.com', 'b.example.com']);
    expect(merged?.acmeChallenges).toEqual({ token: 'token.key' });
    expect(merged?.acmeAlpnCertificates?.map((challenge) => challenge.host)).toEqual(['c.example.com']);
  });

  it('gives no section when no source has one, and a lone section as it is', () => {
    expect(mergeRouteTls(undefined, undefined)).toBeUndefined();
    expect(mergeRouteTls(undefined, acme)).toBe(acme);
  });
});
