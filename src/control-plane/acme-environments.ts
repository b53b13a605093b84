/**
 * The ACME loops of the running environments: each environment's routes that ask for
 * `tls: { acme }` get certificates into that environment's routing table, and every issuance,
 * renewal and failure is an event. `status()` is what `skiff certs` lists for ACME hosts.
 */
import type { Clock } from '../core/clock.js';
import type { RouteTls } from '../core/route-table.js';
import { AcmeCertificates } from '../edge/acme/acme-certificates.js';
import type { AcmeCertificateStatus, CertificateOrder } from '../edge/acme/certificate-state.js';
import type { AcmeEvent, CertificateAuthority, CertificateVault } from '../edge/acme/ports.js';
import type { DesiredEnvironment } from '../spec/desired.js';
import type { NewEvent } from '../store/state-store.js';

export interface AcmeEnvironmentsDeps {
  readonly authority: CertificateAuthority;
  readonly vaultFor: (environment: string) => CertificateVault;
  readonly clock: Clock;
  readonly emit: (event: NewEvent) => void;
}

/** The read side `skiff certs` uses for ACME hosts. */
export interface AcmeStatusPort {
  status(environment?: string): AcmeCertificateStatus[];
}

/** The hosts of an environment's routes that ask for an ACME certificate. */
export function acmeOrders(desired: DesiredEnvironment): CertificateOrder[] {
  return desired.services.flatMap((service) =>
    service.routes.flatMap((route) =>
      route.host !== undefined && route.tls !== undefined && 'acme' in route.tls
        ? [{ host: route.host.toLowerCase(), email: route.tls.acme.email, directory: route.tls.acme.directory, challenge: route.tls.acme.challenge }]
        : [],
    ),
  );
}

function eventOf(environment: string, event: AcmeEvent): NewEvent {
  switch (event.kind) {
    case 'issued':
    case 'renewed':
      return {
        type: `certificate.${event.kind}`,
        environment,
        message: `certificate for ${event.host} ${event.kind} by ${event.issuer}, valid until ${event.notAfter}`,
        data: { ...event },
      };
    case 'failed':
      return {
        type: 'certificate.failed',
        environment,
        message: `certificate for ${event.host} could not be obtained (attempt ${event.attempts}): ${event.error}; next attempt at ${event.retryAt}`,
        data: { ...event },
      };
  }
}

export class AcmeEnvironments implements AcmeStatusPort {
  private readonly loops = new Map<string, AcmeCertificates>();

  constructor(private readonly deps: AcmeEnvironmentsDeps) {}

  /** Starts the environment's loop; `publish` resolves once its router routes with a table built after the call. */
  attach(environment: string, publish: () => Promise<void>): void {
    this.loops.get(environment)?.close();
    this.loops.set(
      environment,
      new AcmeCertificates({
        environment,
        authority: this.deps.authority,
        vault: this.deps.vaultFor(environment),
        clock: this.deps.clock,
        emit: (event) => this.deps.emit(eventOf(environment, event)),
        publish,
      }),
    );
  }

  /** Before the environment's router runs, this only loads the certificates kept: its first table has them. */
  follow(environment: string, desired: DesiredEnvironment): void {
    this.loops.get(environment)?.follow(acmeOrders(desired));
  }

  /** The environment's router runs: orders may start. */
  activate(environment: string): void {
    this.loops.get(environment)?.activate();
  }

  /** The routing table's TLS section of the environment. */
  tls(environment: string): RouteTls | undefined {
    return this.loops.get(environment)?.tls();
  }

  status(environment?: string): AcmeCertificateStatus[] {
    return [...this.loops.entries()].flatMap(([name, loop]) => (environment === undefined || environment === name ? loop.status() : []));
  }

  close(): void {
    for (const loop of this.loops.values()) loop.close();
  }
}
