import type { RouteTls } from '../core/route-table.js';

/** One routing-table TLS section from several (route files, ACME): certificates in order, challenges (HTTP-01, TLS-ALPN-01) together. */
export function mergeRouteTls(...sections: readonly (RouteTls | undefined)[]): RouteTls | undefined {
  const present = sections.filter((section): section is RouteTls => section !== undefined);
  if (present.length <= 1) return present[0];
  return {
    certificates: present.flatMap((section) => section.certificates),
    acmeChallenges: Object.assign({}, ...present.map((section) => section.acmeChallenges ?? {})),
    acmeAlpnCertificates: present.flatMap((section) => section.acmeAlpnCertificates ?? []),
  };
}
