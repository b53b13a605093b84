/**
 * The port the certificate routes serve, apart from the ControlPlane: `main/` wires what the
 * routers serve (route files, ACME) to it. Its views are plain JSON.
 */
import type { AcmeState } from '../core/certificates.js';

/** How the ACME loop stands for a host. */
export interface AcmeCertificateView {
  readonly state: AcmeState;
  /** The CA's ACME directory URL. */
  readonly directory: string;
  /** The CA's last error (its problem detail), until an order succeeds. */
  readonly lastError: string | null;
  /** Failed orders in a row. */
  readonly attempts: number;
  /** When it is renewed next, or the next attempt after a failure. */
  readonly nextAttemptAt: string | null;
}

export interface CertificateView {
  readonly environment: string;
  /** The hosts it serves, exact or `*.example.com`. */
  readonly hosts: readonly string[];
  readonly source: 'file' | 'acme';
  /** The certificate's facts: null for an ACME host that has none yet. */
  readonly issuer: string | null;
  readonly notBefore: string | null;
  readonly notAfter: string | null;
  /** Whole days until it expires; negative once expired. */
  readonly daysLeft: number | null;
  readonly fingerprint256: string | null;
  /** When the certificate served was obtained: ACME's issuance or last renewal, a file's notBefore. */
  readonly renewedAt: string | null;
  /** Only for source `acme`. */
  readonly acme: AcmeCertificateView | null;
}

export interface CertificatePort {
  /** The certificates the routers serve and the ACME hosts still waiting for one, per environment (all environments without one). */
  list(environment?: string): Promise<readonly CertificateView[]>;
}
