/**
 * The TLS listeners' certificates as SecureContexts, chosen by SNI. Rebuilt from each routing
 * table; a certificate whose PEM did not change keeps its context, so a table that only changes
 * routes costs no key parsing, and a renewed certificate is used from the next handshake on
 * (connections already open keep theirs).
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { TlsCertificate } from '../core/route-table.js';
import { buildSniIndex, selectBySni, type SniIndex } from './sni.js';
import { tlsSettings } from './tls-settings.js';

const pemKey = (certificate: TlsCertificate): string => `${certificate.cert}\0${certificate.key}`;

export class CertificateContexts {
  private index: SniIndex<SecureContext> = buildSniIndex([]);
  private byPem = new Map<string, SecureContext>();

  /** The certificates are valid (the table's schema checked them). */
  update(certificates: readonly TlsCertificate[]): void {
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
