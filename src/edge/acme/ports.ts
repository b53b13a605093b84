/** What the ACME certificates depend on, as ports: the CA, where certificates are kept, the router's challenge board. */
import type { AcmeAlpnCertificate } from '../../core/route-table.js';

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

/** How the CA checks that a host is ours (RFC 8555 HTTP-01, RFC 8737 TLS-ALPN-01), both answered by the router. */
export type AcmeChallengeType = 'http-01' | 'tls-alpn-01';

/** What the router answers for one challenge: a token's key authorization over HTTP, or a host's challenge certificate in the TLS handshake. */
export type ChallengeAnswer =
  | { readonly kind: 'http-01'; readonly token: string; readonly keyAuthorization: string }
  | ({ readonly kind: 'tls-alpn-01' } & AcmeAlpnCertificate);

/** Where challenge answers are put: each call resolves once the router answers with the new set. */
export interface ChallengeBoard {
  put(answer: ChallengeAnswer): Promise<void>;
  remove(answer: ChallengeAnswer): Promise<void>;
}

export interface IssueRequest {
  readonly hosts: readonly string[];
  readonly email: string;
  readonly directory: string;
  readonly challenge: AcmeChallengeType;
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
