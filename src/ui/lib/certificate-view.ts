/** How certificates read on the dashboard. Pure, so it is tested in node. */
import type { CertificateView } from '../../api/certificate-port.js';
import { certificateExpiryWarningDays } from '../../core/certificates.js';

/** Expired or within the warning days: highlighted (the built-in alert fires then too). */
export function expiresSoon(certificate: Pick<CertificateView, 'daysLeft'>): boolean {
  return certificate.daysLeft !== null && certificate.daysLeft < certificateExpiryWarningDays;
}

/** `2026-12-08 · 1 day left`, `2026-11-24 · expired`; `-` for an ACME host without a certificate yet. */
export function expiryText(certificate: Pick<CertificateView, 'notAfter' | 'daysLeft'>): string {
  if (certificate.notAfter === null || certificate.daysLeft === null) return '-';
  const left = certificate.daysLeft < 0 ? 'expired' : `${certificate.daysLeft} day${certificate.daysLeft === 1 ? '' : 's'} left`;
  return `${certificate.notAfter.slice(0, 10)} · ${left}`;
}

/** One word for the badge: the ACME state, or for a file whether it is valid, expiring or expired. */
export function certificateState(certificate: Pick<CertificateView, 'acme' | 'daysLeft'>): string {
  if (certificate.acme) return certificate.acme.state;
  if (certificate.daysLeft !== null && certificate.daysLeft < 0) return 'expired';
  return expiresSoon(certificate) ? 'expiring' : 'valid';
}
