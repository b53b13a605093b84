/**
 * The port the certificate routes serve, apart from the ControlPlane: `main/` wires what the
 * routers serve (route files, ACME) to it. Its views are plain JSON.
 */
export interface CertificateView {
  readonly environment: string;
  /** The hosts it serves, exact or `*.example.com`. */
  readonly hosts: readonly string[];
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** Whole days until it expires; negative once expired. */
  readonly daysLeft: number;
  readonly source: 'file' | 'acme';
  readonly fingerprint256: string;
}

export interface CertificatePort {
  /** The certificates the routers serve, per environment (all environments without one). */
  list(environment?: string): Promise<readonly CertificateView[]>;
}
