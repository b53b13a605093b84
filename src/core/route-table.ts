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
}

export interface RouteTable {
  /** Increases with every publication; the router ignores an older table than the one it has. */
  readonly version: number;
  readonly generatedAt: string;
  readonly routes: readonly RouteEntry[];
}

export const emptyRouteTable: RouteTable = { version: 0, generatedAt: new Date(0).toISOString(), routes: [] };
