/**
 * What the routers serve on their TLS listeners, for `skiff certs`: read from the same source as
 * the routing tables, with the ACME loop's state for each ACME host (also those without a certificate yet).
 */
import type { AcmeCertificateView, CertificatePort, CertificateView } from '../api/certificate-port.js';
import type { RouteTls, TlsCertificate } from '../core/route-table.js';
import type { AcmeCertificateStatus } from '../edge/acme/certificate-state.js';
import { inspectCertificate } from '../edge/certificate.js';
import type { AcmeStatusPort } from './acme-environments.js';
import type { DesiredState } from './desired-state.js';

export interface CertificateOperationsDeps {
  readonly state: Pick<DesiredState, 'environmentNames' | 'assertEnvironment'>;
  /** What an environment's routing table carries. */
  readonly tls: (environment: string) => RouteTls | undefined;
  readonly acme: AcmeStatusPort;
  readonly now: () => number;
}

const dayMs = 24 * 60 * 60 * 1000;

export class CertificateOperations implements CertificatePort {
  constructor(private readonly deps: CertificateOperationsDeps) {}

  async list(environment?: string): Promise<readonly CertificateView[]> {
    if (environment !== undefined) this.deps.state.assertEnvironment(environment);
    const environments = environment === undefined ? this.deps.state.environmentNames() : [environment];
    const now = this.deps.now();
    return environments.flatMap((name) => this.views(name, now));
  }

  private views(environment: string, now: number): CertificateView[] {
    const statuses = new Map(this.deps.acme.status(environment).map((status) => [status.host, status]));
    const views: CertificateView[] = [];
    for (const certificate of this.deps.tls(environment)?.certificates ?? []) {
      const status = certificate.source === 'acme' ? certificate.hosts.map((host) => statuses.get(host)).find((found) => found !== undefined) : undefined;
      if (status) statuses.delete(status.host);
      const view = certificateView(environment, certificate, status, now);
      if (view) views.push(view);
    }
    // ACME hosts without a certificate in the table yet: pending or failing.
    for (const status of statuses.values()) {
      views.push({
        environment,
        hosts: [status.host],
        source: 'acme',
        issuer: null,
        notBefore: null,
        notAfter: null,
        daysLeft: null,
        fingerprint256: null,
        renewedAt: null,
        acme: acmeView(status),
      });
    }
    return views;
  }
}

function certificateView(environment: string, certificate: TlsCertificate, status: AcmeCertificateStatus | undefined, now: number): CertificateView | null {
  const check = inspectCertificate(certificate.cert, certificate.key);
  if (!check.ok) return null;
  const { info } = check;
  return {
    environment,
    hosts: certificate.hosts,
    source: certificate.source,
    issuer: info.issuer,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    daysLeft: Math.floor((info.notAfter.getTime() - now) / dayMs),
    fingerprint256: info.fingerprint256,
    renewedAt: status?.renewedAt ?? info.notBefore.toISOString(),
    acme: status ? acmeView(status) : null,
  };
}

function acmeView(status: AcmeCertificateStatus): AcmeCertificateView {
  return { state: status.state, directory: status.directory, lastError: status.lastError, attempts: status.attempts, nextAttemptAt: status.nextAttemptAt };
}
