/**
 * The built-in alert on certificates close to expiry: `certificate-expiry`, `certificateDaysLeft() < 14`,
 * in every environment whose router serves a certificate, unless a rule of the spec watches that
 * environment's certificates itself (a rule using `certificateDaysLeft()` or named `certificate-expiry`),
 * which is how a team sets its own threshold per environment.
 */
import { certificateExpiryWarningDays } from '../core/certificates.js';
import { parseAlertExpression, watchesCertificates } from '../spec/alert-expression.js';
import type { AlertRuleSpec } from '../spec/schema.js';
import type { CertificateSample } from './sources.js';

export const certificateExpiryAlert = 'certificate-expiry';
const dayMs = 86_400_000;

function covers(rule: AlertRuleSpec, environment: string): boolean {
  if (rule.environment !== undefined && rule.environment !== environment) return false;
  if (rule.name === certificateExpiryAlert) return true;
  const parsed = parseAlertExpression(rule.expr);
  return parsed.ok && watchesCertificates(parsed.expression);
}

/** The spec's rules plus the built-in one for each environment in `withCertificates` that no rule covers. */
export function withCertificateAlert(rules: readonly AlertRuleSpec[], withCertificates: readonly string[]): AlertRuleSpec[] {
  const builtIn = withCertificates
    .filter((environment) => !rules.some((rule) => covers(rule, environment)))
    .map((environment): AlertRuleSpec => ({
      name: certificateExpiryAlert,
      expr: `certificateDaysLeft() < ${certificateExpiryWarningDays}`,
      for: 0,
      severity: 'warning',
      environment,
    }));
  return [...rules, ...builtIn];
}

export interface SoonestCertificate {
  readonly host: string;
  readonly source: 'file' | 'acme';
  readonly notAfter: number;
  /** Fractional days from now; negative once expired. */
  readonly daysLeft: number;
}

/** The certificate that expires first, or null when there are none. */
export function soonestCertificate(certificates: readonly CertificateSample[], now: number): SoonestCertificate | null {
  let soonest: CertificateSample | null = null;
  for (const certificate of certificates) if (soonest === null || certificate.notAfter < soonest.notAfter) soonest = certificate;
  if (soonest === null) return null;
  return { host: soonest.hosts.join(','), source: soonest.source, notAfter: soonest.notAfter, daysLeft: (soonest.notAfter - now) / dayMs };
}

/** `a.test (file) expires 2026-12-08T10:00:00.000Z`. */
export function describeSoonest(soonest: SoonestCertificate): string {
  return `${soonest.host} (${soonest.source}) ${soonest.daysLeft < 0 ? 'expired' : 'expires'} ${new Date(soonest.notAfter).toISOString()}`;
}
