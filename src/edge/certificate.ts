/**
 * What a PEM certificate and key say about themselves: the hosts they serve, who issued them,
 * when they expire, and whether the key belongs to the certificate. Shared by the router (which
 * refuses a table with a pair that cannot work) and the control plane (which reads route files).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';

export interface CertificateInfo {
  /** DNS names of the subjectAltName (the subject's CN when there are none): exact or `*.example.com`. */
  readonly hosts: readonly string[];
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly fingerprint256: string;
}

/** The pair's problem, said so a person can fix it; the path of the field is the caller's. */
export type CertificateCheck = { readonly ok: true; readonly info: CertificateInfo } | { readonly ok: false; readonly problem: string; readonly field: 'cert' | 'key' };

function subjectHosts(certificate: X509Certificate): string[] {
  const names = (certificate.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
  if (names.length > 0) return names;
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
  return cn === undefined ? [] : [cn.toLowerCase()];
}

/** The issuer's organisation and common name, the parts a person recognises. */
function issuerName(certificate: X509Certificate): string {
  const fields = new Map(certificate.issuer.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  return [fields.get('O'), fields.get('CN')].filter((part) => part !== undefined).join(', ') || certificate.issuer.replace(/\n/g, ', ');
}

export function inspectCertificate(cert: string, key: string): CertificateCheck {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (err) {
    return { ok: false, field: 'cert', problem: `not a PEM certificate (${(err as Error).message})` };
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    return { ok: false, field: 'key', problem: `not a PEM private key (${(err as Error).message})` };
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    return { ok: false, field: 'key', problem: 'the private key does not belong to the certificate' };
  }
  return {
    ok: true,
    info: {
      hosts: subjectHosts(certificate),
      issuer: issuerName(certificate),
      notBefore: new Date(certificate.validFrom),
      notAfter: new Date(certificate.validTo),
      fingerprint256: certificate.fingerprint256,
    },
  };
}

/** A check that also refuses a certificate not valid at `now` (expired, or not yet valid). */
export function inspectUsableCertificate(cert: string, key: string, now: Date): CertificateCheck {
  const check = inspectCertificate(cert, key);
  if (!check.ok) return check;
  const { notBefore, notAfter } = check.info;
  if (notAfter.getTime() <= now.getTime()) return { ok: false, field: 'cert', problem: `the certificate expired on ${notAfter.toISOString()}` };
  if (notBefore.getTime() > now.getTime()) return { ok: false, field: 'cert', problem: `the certificate is not valid before ${notBefore.toISOString()}` };
  return check;
}
