/** One host's certificate as the ACME loop sees it, and what is due for it: pure. */
import { X509Certificate } from 'node:crypto';
import type { AcmeChallengeType, StoredCertificate } from './ports.js';
import type { AcmeState } from '../../core/certificates.js';
import { renewalTime } from './renewal.js';

/** A host whose route asks for an ACME certificate. */
export interface CertificateOrder {
  readonly host: string;
  readonly email: string;
  readonly directory: string;
  readonly challenge: AcmeChallengeType;
}

export interface HostCertificate {
  readonly order: CertificateOrder;
  readonly certificate: StoredCertificate | null;
  /** Failed orders in a row. */
  readonly attempts: number;
  /** The CA's last error (its problem detail), cleared by a success. */
  readonly lastError: string | null;
  /** Not before this (ms since the epoch) after a failure. */
  readonly retryAt: number | null;
}

/** What `skiff certs` lists for an ACME host. */
export interface AcmeCertificateStatus {
  readonly environment: string;
  readonly host: string;
  readonly directory: string;
  readonly state: AcmeState;
  readonly issuer: string | null;
  readonly notAfter: string | null;
  /** When the certificate served now was obtained (first issuance or last renewal). */
  readonly renewedAt: string | null;
  /** When it is renewed next, or the next attempt after a failure. */
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly attempts: number;
}

/** The certificate kept for the order, when it still fits it (a changed CA orders a new one). */
export function usable(certificate: StoredCertificate | null, order: CertificateOrder): StoredCertificate | null {
  return certificate !== null && certificate.directory === order.directory && certificate.host === order.host ? certificate : null;
}

/** When the next order for this host is due (ms since the epoch): now when it has no certificate. */
export function dueAt(host: HostCertificate, now: number): number {
  const kept = usable(host.certificate, host.order);
  const wanted = kept ? renewalTime(Date.parse(kept.notBefore), Date.parse(kept.notAfter)) : now;
  return host.retryAt === null ? wanted : Math.max(wanted, host.retryAt);
}

/** `ordering`: an order for the host is under way now. */
export function statusOf(environment: string, host: HostCertificate, now: number, ordering: boolean): AcmeCertificateStatus {
  const kept = usable(host.certificate, host.order);
  return {
    environment,
    host: host.order.host,
    directory: host.order.directory,
    state: host.lastError !== null ? 'failing' : !kept ? 'pending' : ordering ? 'renewing' : 'valid',
    issuer: kept?.issuer ?? null,
    notAfter: kept?.notAfter ?? null,
    renewedAt: kept?.issuedAt ?? null,
    nextAttemptAt: new Date(dueAt(host, now)).toISOString(),
    lastError: host.lastError,
    attempts: host.attempts,
  };
}

/** The facts of a PEM chain's leaf the loop and `skiff certs` need. */
export function describeCertificate(pem: string): Pick<StoredCertificate, 'issuer' | 'notBefore' | 'notAfter'> {
  const leaf = new X509Certificate(pem);
  const commonName = /^CN=(.*)$/m.exec(leaf.issuer)?.[1];
  return {
    issuer: commonName ?? leaf.issuer.replace(/\n/g, ', '),
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
  };
}
