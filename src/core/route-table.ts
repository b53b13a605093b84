/**
 * The routing table the control plane publishes to the router: plain data, no services or
 * specs. The router knows nothing else.
 */
export type BalanceKind = 'least-request' | 'round-robin';

export interface RouteBackend {
  /** Instance id. */
  readonly id: string;
  readonly release: string;
  readonly host: string;
  readonly port: number;
}

export interface RouteEntry {
  /** Stable id, e.g. `dev/catalog/0`. */
  readonly id: string;
  readonly environment: string;
  readonly service: string;
  /** Host header to match, without port; undefined matches any host. */
  readonly host?: string;
  /** Path prefix to match; `/` matches everything. Matching is on segment boundaries. */
  readonly pathPrefix: string;
  readonly stripPrefix: boolean;
  /** Methods the router may retry once on another backend when the connection failed before any answer byte. */
  readonly retryMethods: readonly string[];
  readonly balance: BalanceKind;
  /** Ready instances only. */
  readonly backends: readonly RouteBackend[];
  /** Optional resilience settings; the router fills in defaults for what is absent. */
  readonly timeouts?: RouteTimeouts;
  readonly retryBudget?: RouteRetryBudget;
  readonly circuitBreaker?: RouteCircuitBreaker;
  readonly rateLimit?: RouteRateLimit;
  readonly hold?: RouteHold;
  /**
   * The service may be at zero instances (autoscale with min 0): a request held for it asks the
   * control plane for an instance (the admin socket's GET /wake) instead of only waiting.
   */
  readonly wake?: boolean;
  /** Largest request body accepted (413 beyond). Default 64 MiB; 0 means no limit. */
  readonly maxBodyBytes?: number;
  /**
   * Traffic split by release during a rollout: percent per release name, summing to 100. Each
   * request picks a release by weight, then a backend of that release. A release with no ready
   * backend gets none of the traffic (its share goes to the others). Absent: all backends alike.
   * The router accepts sums within 0.1 of 100 and splits exactly per worker (smooth weighted round
   * robin: 5 is 5 of every 100 requests). Backends of releases not named here get no traffic
   * (unless a match names them); when no named release has a backend, every backend but the
   * mirror candidate's serves.
   */
  readonly weights?: Readonly<Record<string, number>>;
  /**
   * Checked in order before `weights`: a request matching one goes to that release's backends
   * (canary `match`, blue-green preview). With no ready backend of that release it falls through.
   */
  readonly releaseMatches?: readonly ReleaseMatch[];
  /** Parallel run: a share of requests is also sent to a candidate release and the answers compared. */
  readonly mirror?: RouteMirror;
  /** A request that came over plain HTTP is answered 308 to the same URL over HTTPS. */
  readonly redirectHttps?: boolean;
  /** Answers over HTTPS carry Strict-Transport-Security. */
  readonly hsts?: RouteHsts;
}

export interface RouteHsts {
  readonly maxAgeSeconds: number;
  readonly includeSubDomains: boolean;
}

/** Where a certificate came from: a route's `tls` files, or issued by ACME. */
export type CertificateSource = 'file' | 'acme';

/** One certificate chain and its key, PEM, served on the TLS listeners for `hosts` (exact or `*.example.com`). */
export interface TlsCertificate {
  readonly hosts: readonly string[];
  /** The leaf first, then intermediates. */
  readonly cert: string;
  readonly key: string;
  readonly source: CertificateSource;
}

/**
 * A TLS-ALPN-01 challenge certificate (RFC 8737): self-signed for `host`, carrying the key
 * authorization's digest. Served only to a ClientHello that offers ALPN `acme-tls/1` for `host`.
 */
export interface AcmeAlpnCertificate {
  readonly host: string;
  readonly cert: string;
  readonly key: string;
}

/** The router's TLS material: certificates chosen by SNI (exact host first, then wildcard), ACME HTTP-01 and TLS-ALPN-01 answers. */
export interface RouteTls {
  readonly certificates: readonly TlsCertificate[];
  /**
   * Answered on the plain HTTP listeners at `GET /.well-known/acme-challenge/TOKEN`, by token:
   * the key authorization, as text/plain.
   */
  readonly acmeChallenges?: Readonly<Record<string, string>>;
  /** Answered on the TLS listeners, in the handshake, to ACME validation only (see AcmeAlpnCertificate). */
  readonly acmeAlpnCertificates?: readonly AcmeAlpnCertificate[];
}

/** A header or cookie with an exact value (header names lowercase). */
export type RequestMatch =
  | { readonly kind: 'header'; readonly name: string; readonly value: string }
  | { readonly kind: 'cookie'; readonly name: string; readonly value: string };

export interface ReleaseMatch {
  readonly match: RequestMatch;
  readonly release: string;
}

/**
 * The client only ever gets the trusted release's answer (from the normal pick, which excludes
 * the candidate). For a mirrored request the router also sends a copy to a backend of
 * `candidateRelease` and, to measure noise, to a second backend of the trusted release other than
 * the one that answered (when there is one). It compares each copy's answer with the client's.
 */
export interface RouteMirror {
  /**
   * Only requests with a body of at most 1 MiB (not chunked) are copied; bodies of answers beyond
   * 1 MiB are not compared (status and headers are). Copies carry `x-skiff-mirror: candidate` or
   * `x-skiff-mirror: noise`, and are not counted in the request metrics.
   */
  readonly candidateRelease: string;
  /** Percent of eligible requests mirrored, 0-100. */
  readonly percent: number;
  /** Methods mirrored (safe ones by default: GET, HEAD, OPTIONS). */
  readonly methods: readonly string[];
  /** Response headers compared (lowercase); others are ignored. */
  readonly compareHeaders: readonly string[];
  /** JSON field paths ignored when comparing JSON bodies (`id`, `meta.time`, `items.*.id`). */
  readonly ignoreFields: readonly string[];
}

/** Milliseconds; 0 turns a timeout off. */
export interface RouteTimeouts {
  /** Establishing a connection to the instance. Default 5 s. */
  readonly connectMs?: number;
  /** From sending the request to the answer's headers. Default 60 s. */
  readonly firstByteMs?: number;
  /** Longest silence between two chunks of the answer. Default 60 s. */
  readonly idleMs?: number;
  /** The whole exchange, answer body included. Default 0 (off: streams may be long-lived). */
  readonly totalMs?: number;
}

/** Retries stay under `percent` of the route's requests over 10 s, plus `minPerSecond`. */
export interface RouteRetryBudget {
  /** Default 20. */
  readonly percent?: number;
  /** Default 3. */
  readonly minPerSecond?: number;
}

export interface RouteCircuitBreaker {
  /** Consecutive failures (connection errors, timeouts, 5xx) that eject an instance. Default 5; 0 turns ejection off. */
  readonly consecutiveFailures?: number;
  /** First ejection time, doubled for each further ejection (up to 10 times). Default 10 s. */
  readonly ejectionMs?: number;
  /** Requests in flight for the whole service (per router worker) before 503. Default 10,000. */
  readonly maxConcurrent?: number;
}

export interface RouteRateLimit {
  readonly requestsPerSecond: number;
  /** Bucket size. Default: requestsPerSecond. */
  readonly burst?: number;
  /** Header whose value identifies the client; default the client address. */
  readonly header?: string;
}

/** Holding requests while the service has no ready instance. */
export interface RouteHold {
  /** Default 10 s; 0 answers 503 at once. */
  readonly timeoutMs?: number;
  /** Requests held at once for the route (per router worker); beyond, 503. Default 1,000. */
  readonly maxPending?: number;
}

/** Where the router exports its spans; absent: it passes trace headers through and records nothing. */
export interface RouteTracing {
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  readonly otlpUrl: string;
  /** Percent of new traces sampled; a request with a valid traceparent follows its sampled flag. */
  readonly samplePercent: number;
}

export interface RouteTable {
  /** Increases with every publication; the router ignores an older table than the one it has. */
  readonly version: number;
  readonly generatedAt: string;
  readonly routes: readonly RouteEntry[];
  readonly tracing?: RouteTracing;
  readonly tls?: RouteTls;
}

export const emptyRouteTable: RouteTable = { version: 0, generatedAt: new Date(0).toISOString(), routes: [] };
