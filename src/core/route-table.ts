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
  /** Largest request body accepted (413 beyond). Default 64 MiB; 0 means no limit. */
  readonly maxBodyBytes?: number;
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

export interface RouteTable {
  /** Increases with every publication; the router ignores an older table than the one it has. */
  readonly version: number;
  readonly generatedAt: string;
  readonly routes: readonly RouteEntry[];
}

export const emptyRouteTable: RouteTable = { version: 0, generatedAt: new Date(0).toISOString(), routes: [] };
