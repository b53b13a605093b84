/** How the CLI shows certificates: the `skiff certs` table and the warnings `skiff status` leads with. */
import type { CertificateView } from '../api/certificate-port.js';
import { certificateExpiryWarningDays } from '../core/certificates.js';
import { dash, formatTable, formatTime } from './output.js';

function expiry(certificate: CertificateView): string {
  if (certificate.notAfter === null || certificate.daysLeft === null) return '-';
  const left = certificate.daysLeft < 0 ? 'EXPIRED' : `${certificate.daysLeft}d left`;
  return `${certificate.notAfter.slice(0, 10)} (${left})`;
}

/** The table, with the CA's error and the next attempt under each failing ACME host. */
export function certificateLines(certificates: readonly CertificateView[]): string[] {
  const rows = certificates.map((certificate) => [
    certificate.environment,
    certificate.hosts.join(','),
    dash(certificate.issuer),
    expiry(certificate),
    certificate.renewedAt === null ? '-' : certificate.renewedAt.slice(0, 10),
    certificate.source,
    certificate.acme?.state ?? '-',
  ]);
  const table = formatTable(['ENV', 'HOSTS', 'ISSUER', 'EXPIRES', 'OBTAINED', 'SOURCE', 'STATE'], rows);
  const lines = [table[0] as string];
  certificates.forEach((certificate, index) => {
    lines.push(table[index + 1] as string);
    const acme = certificate.acme;
    if (acme?.state === 'failing') {
      lines.push(`  ${certificate.hosts.join(',')}: ${acme.lastError ?? 'failed'}`);
      lines.push(`    attempt ${acme.attempts} failed; next attempt at ${acme.nextAttemptAt === null ? '-' : formatTime(acme.nextAttemptAt)}`);
    }
  });
  return lines;
}

/** One loud line per certificate that fails to renew, has expired, or expires within the warning days. */
export function certificateWarnings(certificates: readonly CertificateView[]): string[] {
  return certificates.flatMap((certificate) => {
    const hosts = certificate.hosts.join(',');
    const warnings: string[] = [];
    if (certificate.acme?.state === 'failing') {
      warnings.push(`CERTIFICATE FAILING: ${hosts} (acme, attempt ${certificate.acme.attempts}): ${certificate.acme.lastError ?? 'failed'}`);
    }
    if (certificate.daysLeft !== null && certificate.daysLeft < 0) warnings.push(`CERTIFICATE EXPIRED: ${hosts} (${certificate.source}) on ${expiry(certificate).slice(0, 10)}`);
    else if (certificate.daysLeft !== null && certificate.daysLeft < certificateExpiryWarningDays) {
      warnings.push(`CERTIFICATE EXPIRES SOON: ${hosts} (${certificate.source}) ${expiry(certificate)}`);
    }
    return warnings;
  });
}
