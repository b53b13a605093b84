/** What the ACME certificates depend on, as ports: the CA, where certificates are kept, the router's challenge board. */

/** One host's certificate as kept between restarts (encrypted at rest by the vault). */
export interface StoredCertificate {
  readonly host: string;
  /** The ACME directory it came from: a certificate of another CA is not kept when the spec changes CA. */
  readonly directory: string;
  /** PEM chain, leaf first. */
  readonly cert: string;
  readonly key: string;
  /** The issuing CA's name (the leaf's issuer common name, or its whole issuer line). */
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** When this certificate was obtained. */
  readonly issuedAt: string;
}

export interface CertificateVault {
  load(host: string): StoredCertificate | null;
  save(certificate: StoredCertificate): void;
  /** The account key (PEM) kept for this CA and contact, or null before the first order. */
  accountKey(directory: string, email: string): string | null;
  saveAccountKey(directory: string, email: string, pem: string): void;
}

/** Where HTTP-01 answers are put: each call resolves once the router answers with the new set. */
export interface ChallengeBoard {
  put(token: string, keyAuthorization: string): Promise<void>;
  remove(token: string): Promise<void>;
}

export interface IssueRequest {
  readonly hosts: readonly string[];
  readonly email: string;
  readonly directory: string;
  readonly accountKey: string;
}

/** A certificate authority spoken to over ACME; its failures are thrown as AcmeProblem. */
export interface CertificateAuthority {
  createAccountKey(): Promise<string>;
  /** Orders, answers the challenges through the board, and returns the PEM chain and its key. */
  issue(request: IssueRequest, board: ChallengeBoard): Promise<{ readonly cert: string; readonly key: string }>;
}

export type AcmeEvent =
  | { readonly kind: 'issued' | 'renewed'; readonly host: string; readonly notAfter: string; readonly issuer: string }
  | { readonly kind: 'failed'; readonly host: string; readonly error: string; readonly attempts: number; readonly retryAt: string };
