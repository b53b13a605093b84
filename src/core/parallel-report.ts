/**
 * The parallel-run report the router gives the control plane, as plain data: which differences
 * between a candidate release and the trusted one are real, per route and endpoint, with examples.
 */

/** One example of a difference: the request path (with query) and both values, truncated. */
export interface ParallelSample {
  readonly path: string;
  readonly trusted: string;
  readonly candidate: string;
}

export interface ParallelDifference {
  /** `status`, `header:<name>`, `body` (bytes, or JSON root), `body:<path>` (array indexes as `*`). */
  readonly key: string;
  readonly candidateCount: number;
  /** candidateCount / compared of the endpoint. */
  readonly candidateRate: number;
  /** How often two trusted instances differed on this key; null when no noise was measured. */
  readonly noiseRate: number | null;
  readonly samples: readonly ParallelSample[];
}

export interface ParallelEndpointReport {
  /** `GET /products`: method and the path the service saw, without query. */
  readonly endpoint: string;
  readonly compared: number;
  /** Comparisons with at least one real difference. */
  readonly differing: number;
  /** (compared - differing) / compared; null before any comparison. */
  readonly matchRate: number | null;
  /** Real differences only, most frequent first. */
  readonly differences: readonly ParallelDifference[];
}

/** One route's figures, without naming its environment and service. */
export interface ParallelRouteFigures {
  readonly route: string;
  readonly candidateRelease: string;
  /** Client requests copied. */
  readonly mirrored: number;
  /** Candidate answers compared. */
  readonly compared: number;
  /** Compared answers without a real difference. */
  readonly matched: number;
  readonly matchRate: number | null;
  /** Trusted-vs-trusted comparisons that measured the noise. */
  readonly noiseCompared: number;
  /** Copies not sent (too many in flight, or the target left the table). */
  readonly dropped: number;
  /** Answers too large to compare bodies (status and headers were compared). */
  readonly tooLarge: number;
  /** Endpoints with real differences first, then by name. */
  readonly endpoints: readonly ParallelEndpointReport[];
  /** Keys that differed but no more than between trusted instances: filtered out as noise. */
  readonly noiseKeys: readonly string[];
}

export interface ParallelRouteReport extends ParallelRouteFigures {
  readonly environment: string;
  readonly service: string;
}

/** A router whose counts are not in a report: a replica of a cluster's router that did not answer. */
export interface UnreadRouter {
  readonly router: string;
  readonly reason: string;
}

export interface ParallelReport {
  readonly routes: readonly ParallelRouteReport[];
  /** Routers whose counts could not be read, so the figures leave their share out; absent when every router answered. */
  readonly unreadRouters?: readonly UnreadRouter[];
}
