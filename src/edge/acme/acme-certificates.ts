/**
 * The ACME loop of one environment: keeps a certificate for every host whose route asks for one,
 * orders it when missing, renews it when due, retries a failure with backoff, and hands the
 * router's table its certificates and the challenge answers (HTTP-01, TLS-ALPN-01) of orders
 * under way. Orders run one at a time (a CA counts them per account). Certificates come from the
 * vault after a restart, so a restart orders nothing.
 */
import type { Clock } from '../../core/clock.js';
import type { AcmeAlpnCertificate, RouteTls, TlsCertificate } from '../../core/route-table.js';
import type { AcmeCertificateStatus, CertificateOrder, HostCertificate } from './certificate-state.js';
import { describeCertificate, dueAt, statusOf, usable } from './certificate-state.js';
import type { AcmeEvent, CertificateAuthority, CertificateVault, ChallengeAnswer, ChallengeBoard } from './ports.js';
import { defaultRetryPolicy, retryDelayMs, type RetryPolicy } from './renewal.js';

export interface AcmeCertificatesDeps {
  readonly environment: string;
  readonly authority: CertificateAuthority;
  readonly vault: CertificateVault;
  readonly clock: Clock;
  readonly emit: (event: AcmeEvent) => void;
  /** Resolves once the router routes with a table built after the call (its `tls` from `tls()`). */
  readonly publish: () => Promise<void>;
  readonly retry?: RetryPolicy;
}

function challengeKey(answer: ChallengeAnswer): string {
  return answer.kind === 'http-01' ? `http-01:${answer.token}` : `tls-alpn-01:${answer.host}`;
}

/** A changed CA, contact or challenge is a new order (the certificate kept is served until it is replaced). */
function sameOrder(a: CertificateOrder, b: CertificateOrder): boolean {
  return a.directory === b.directory && a.email === b.email && a.challenge === b.challenge;
}

/** setTimeout's limit; a later renewal is looked at again then. */
const longestTimerMs = 2 ** 31 - 1;

export class AcmeCertificates {
  private readonly hosts = new Map<string, HostCertificate>();
  /** By `kind:token` or `kind:host`. */
  private readonly challenges = new Map<string, ChallengeAnswer>();
  private readonly working = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  /** Orders wait until the router runs (`activate`): their challenges go through it. */
  private active = false;
  private closed = false;
  private readonly board: ChallengeBoard = {
    put: (answer) => {
      this.challenges.set(challengeKey(answer), answer);
      return this.deps.publish();
    },
    remove: (answer) => {
      this.challenges.delete(challengeKey(answer));
      return this.deps.publish();
    },
  };

  constructor(private readonly deps: AcmeCertificatesDeps) {}

  /**
   * Keeps certificates for exactly these hosts (the first order of a host counts); the ones kept
   * in the vault are served at once, so a restarted control plane's first table has them.
   */
  follow(orders: readonly CertificateOrder[]): void {
    const served = this.servedKey();
    const wanted = new Map<string, CertificateOrder>();
    for (const order of orders) if (!wanted.has(order.host)) wanted.set(order.host, order);
    for (const host of this.hosts.keys()) if (!wanted.has(host)) this.hosts.delete(host);
    for (const [host, order] of wanted) {
      const current = this.hosts.get(host);
      if (current && sameOrder(current.order, order)) continue;
      const certificate = current?.certificate ?? this.deps.vault.load(host);
      this.hosts.set(host, { order, certificate, attempts: 0, lastError: null, retryAt: null });
    }
    if (this.active && this.servedKey() !== served) void this.deps.publish();
    this.reconsider();
  }

  /** The router runs: orders may start. */
  activate(): void {
    this.active = true;
    this.reconsider();
  }

  private servedKey(): string {
    return [...this.hosts.values()].map((host) => `${host.order.host}@${usable(host.certificate, host.order)?.issuedAt ?? ''}`).join(' ');
  }

  /** The table's TLS section: the certificates obtained and the challenges being answered. */
  tls(): RouteTls | undefined {
    const certificates: TlsCertificate[] = [];
    for (const host of this.hosts.values()) {
      const kept = usable(host.certificate, host.order);
      if (kept) certificates.push({ hosts: [kept.host], cert: kept.cert, key: kept.key, source: 'acme' });
    }
    if (certificates.length === 0 && this.challenges.size === 0) return undefined;
    const acmeChallenges: Record<string, string> = {};
    const acmeAlpnCertificates: AcmeAlpnCertificate[] = [];
    for (const answer of this.challenges.values()) {
      if (answer.kind === 'http-01') acmeChallenges[answer.token] = answer.keyAuthorization;
      else acmeAlpnCertificates.push({ host: answer.host, cert: answer.cert, key: answer.key });
    }
    return { certificates, acmeChallenges, ...(acmeAlpnCertificates.length === 0 ? {} : { acmeAlpnCertificates }) };
  }

  status(): AcmeCertificateStatus[] {
    const now = this.deps.clock.now();
    return [...this.hosts.entries()].map(([name, host]) => statusOf(this.deps.environment, host, now, this.working.has(name)));
  }

  /** Orders what is due now and sets the timer for the next one; the clock may have moved. */
  reconsider(): void {
    if (this.closed || !this.active) return;
    const now = this.deps.clock.now();
    let next = Infinity;
    for (const [name, host] of this.hosts) {
      if (this.working.has(name)) continue;
      const due = dueAt(host, now);
      if (due <= now) this.enqueue(name);
      else next = Math.min(next, due);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = next === Infinity ? null : setTimeout(() => this.reconsider(), Math.min(next - now, longestTimerMs));
    this.timer?.unref();
  }

  /** Resolves when no order is under way. */
  idle(): Promise<void> {
    return this.chain;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private enqueue(name: string): void {
    this.working.add(name);
    this.chain = this.chain.then(() => this.order(name)).finally(() => {
      this.working.delete(name);
      this.reconsider();
    });
  }

  private async order(name: string): Promise<void> {
    const host = this.hosts.get(name);
    if (!host || this.closed) return;
    const { order } = host;
    const renewal = usable(host.certificate, order) !== null;
    try {
      const issued = await this.deps.authority.issue({ hosts: [order.host], ...order, accountKey: await this.accountKey(order) }, this.board);
      const certificate = { host: order.host, directory: order.directory, ...issued, ...describeCertificate(issued.cert), issuedAt: new Date(this.deps.clock.now()).toISOString() };
      this.deps.vault.save(certificate);
      if (this.hosts.get(name)?.order === order) this.hosts.set(name, { order, certificate, attempts: 0, lastError: null, retryAt: null });
      // The order is over once its certificate is kept: status says valid, not renewing, while the router is told.
      this.working.delete(name);
      this.deps.emit({ kind: renewal ? 'renewed' : 'issued', host: order.host, notAfter: certificate.notAfter, issuer: certificate.issuer });
      await this.deps.publish();
    } catch (error) {
      const attempts = host.attempts + 1;
      const retryAt = this.deps.clock.now() + retryDelayMs(attempts, this.deps.retry ?? defaultRetryPolicy);
      const message = (error as Error).message;
      if (this.hosts.get(name)?.order === order) this.hosts.set(name, { ...host, attempts, lastError: message, retryAt });
      this.deps.emit({ kind: 'failed', host: order.host, error: message, attempts, retryAt: new Date(retryAt).toISOString() });
    }
  }

  /** Created once per CA and contact, then kept: the same key finds the same account. */
  private async accountKey(order: CertificateOrder): Promise<string> {
    const kept = this.deps.vault.accountKey(order.directory, order.email);
    if (kept !== null) return kept;
    const created = await this.deps.authority.createAccountKey();
    this.deps.vault.saveAccountKey(order.directory, order.email, created);
    return created;
  }
}
