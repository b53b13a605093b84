/**
 * The TLS listeners' certificates as SecureContexts, chosen by SNI. Rebuilt from each routing
 * table; a certificate whose PEM did not change keeps its context, so a table that only changes
 * routes costs no key parsing, and a renewed certificate is used from the next handshake on
 * (connections already open keep theirs). TLS-ALPN-01 challenge certificates are kept apart:
 * only the challenge gate (alpn-challenge-gate.ts) serves them.
 */
import { createSecureContext, type SecureContext, type Server as TlsServer } from 'node:tls';
import type { AcmeAlpnCertificate, TlsCertificate } from '../core/route-table.js';
import { buildSniIndex, selectBySni, type SniIndex } from './sni.js';
import { tlsSettings } from './tls-settings.js';

const pemKey = (certificate: TlsCertificate): string => `${certificate.cert}\0${certificate.key}`;

export class CertificateContexts {
  private index: SniIndex<SecureContext> = buildSniIndex([]);
  private byPem = new Map<string, SecureContext>();
  private fallback: TlsCertificate | undefined;
  private challenges = new Map<string, SecureContext>();
  /** The listeners using these certificates: a client without SNI gets a server's default context. */
  private readonly servers = new Set<TlsServer>();

  /** Keeps `server`'s default context (for clients that send no server name) the first certificate. */
  serve(server: TlsServer): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
    if (this.fallback !== undefined) server.setSecureContext(this.defaultOptions(this.fallback));
  }

  private defaultOptions(certificate: TlsCertificate) {
    return { cert: certificate.cert, key: certificate.key, ...tlsSettings };
  }

  /** The certificates are valid (the table's schema checked them). */
  update(certificates: readonly TlsCertificate[], alpnChallenges: readonly AcmeAlpnCertificate[] = []): void {
    // Built first: a key that does not fit throws before anything changed.
    const challenges = new Map(
      alpnChallenges.map((challenge) => [
        challenge.host.toLowerCase(),
        createSecureContext({ cert: challenge.cert, key: challenge.key, ...tlsSettings }),
      ]),
    );
    const next = new Map<string, SecureContext>();
    const entries = certificates.map((certificate) => {
      const key = pemKey(certificate);
      let context = next.get(key) ?? this.byPem.get(key);
      context ??= createSecureContext({ cert: certificate.cert, key: certificate.key, ...tlsSettings });
      next.set(key, context);
      return { hosts: certificate.hosts, value: context };
    });
    this.byPem = next;
    this.index = buildSniIndex(entries);
    const first = certificates[0];
    if (first !== undefined && (first.cert !== this.fallback?.cert || first.key !== this.fallback?.key)) {
      for (const server of this.servers) server.setSecureContext(this.defaultOptions(first));
    }
    this.fallback = first;
    this.challenges = challenges;
  }

  /** A TLS-ALPN-01 challenge is pending on some host. */
  get challenging(): boolean {
    return this.challenges.size > 0;
  }

  /** The challenge certificate of `servername`, while its challenge is pending. */
  challengeFor(servername: string | undefined): SecureContext | undefined {
    return servername === undefined ? undefined : this.challenges.get(servername.toLowerCase());
  }

  get empty(): boolean {
    return this.index.fallback === undefined;
  }

  select(servername: string | undefined): SecureContext | undefined {
    return selectBySni(this.index, servername);
  }

  /** For tls.Server's SNICallback. */
  readonly sniCallback = (servername: string, done: (err: Error | null, context?: SecureContext) => void): void => {
    const context = this.select(servername);
    if (context === undefined) done(new Error('no certificate: the routing table has none'));
    else done(null, context);
  };
}
