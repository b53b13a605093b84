/** What the routers serve on their TLS listeners, for `skiff certs`: read from the same source as the routing tables. */
import type { CertificatePort, CertificateView } from '../api/certificate-port.js';
import type { RouteTls } from '../core/route-table.js';
import { inspectCertificate } from '../edge/certificate.js';
import type { DesiredState } from './desired-state.js';

export interface CertificateOperationsDeps {
  readonly state: Pick<DesiredState, 'environmentNames' | 'assertEnvironment'>;
  /** What an environment's routing table carries. */
  readonly tls: (environment: string) => RouteTls | undefined;
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
    const views: CertificateView[] = [];
    for (const certificate of this.deps.tls(environment)?.certificates ?? []) {
      const check = inspectCertificate(certificate.cert, certificate.key);
      if (!check.ok) continue;
      const { info } = check;
      views.push({
        environment,
        hosts: certificate.hosts,
        issuer: info.issuer,
        notBefore: info.notBefore.toISOString(),
        notAfter: info.notAfter.toISOString(),
        daysLeft: Math.floor((info.notAfter.getTime() - now) / dayMs),
        source: certificate.source,
        fingerprint256: info.fingerprint256,
      });
    }
    return views;
  }
}
