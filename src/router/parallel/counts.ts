/**
 * What a router worker counts during parallel runs, as plain serializable data: per route and
 * candidate release, per endpoint, how often each difference key appeared between the candidate
 * and the client's answer, and between two trusted instances (the noise). Workers hand these
 * over as a snapshot; the primary merges them and `buildParallelReport` judges them.
 */
import type { ParallelSample } from '../../core/parallel-report.js';

export interface KeyCounts {
  count: number;
  readonly samples: ParallelSample[];
}

export interface EndpointCounts {
  /** Candidate copies compared with the client's answer. */
  compared: number;
  /**
   * Candidate comparisons by the set of keys that differed (sorted, joined by `\n`; `''` for none),
   * so the report can tell how many comparisons differed on a real key once it knows which keys
   * are real. `overflowSignature` collects what is beyond the bound.
   */
  readonly outcomes: Record<string, number>;
  /** Candidate differences per key (`status`, `header:<name>`, `body`, `body:<path>`). */
  readonly keys: Record<string, KeyCounts>;
  /** Second-trusted-instance copies compared with the client's answer. */
  noiseCompared: number;
  readonly noiseKeys: Record<string, number>;
}

export interface RouteCounts {
  readonly route: string;
  readonly environment: string;
  readonly service: string;
  readonly candidateRelease: string;
  /** Client requests whose copies were sent (or attempted). */
  mirrored: number;
  /** Copies not sent because too many were in flight, or their target left the table. */
  dropped: number;
  /** Answers whose body was larger than the comparison bound: status and headers compared only. */
  tooLarge: number;
  /** Key: `METHOD /path` (no query); at most `maxEndpoints`, then `otherEndpoint`. */
  readonly endpoints: Record<string, EndpointCounts>;
}

export interface ParallelSnapshot {
  readonly routes: readonly RouteCounts[];
}

export const maxEndpoints = 200;
export const otherEndpoint = 'other';
/** Distinct keys kept per endpoint; beyond, they count as `otherKey`. */
export const maxKeysPerEndpoint = 64;
export const otherKey = 'other';
export const maxSamples = 5;
export const maxOutcomesPerEndpoint = 64;
/** Outcomes beyond the bound: counted as differing when any key of the endpoint is real. */
export const overflowSignature = '*';

export function emptyEndpointCounts(): EndpointCounts {
  return { compared: 0, outcomes: {}, keys: {}, noiseCompared: 0, noiseKeys: {} };
}

export function routeCountsKey(route: string, candidateRelease: string): string {
  return `${route}\u0000${candidateRelease}`;
}

function addKey(into: Record<string, KeyCounts>, key: string, from: KeyCounts): void {
  const existing = into[key];
  if (existing === undefined) {
    into[key] = { count: from.count, samples: from.samples.slice(0, maxSamples) };
    return;
  }
  existing.count += from.count;
  for (const sample of from.samples) {
    if (existing.samples.length >= maxSamples) break;
    existing.samples.push(sample);
  }
}

function addEndpoint(into: EndpointCounts, from: EndpointCounts): void {
  into.compared += from.compared;
  into.noiseCompared += from.noiseCompared;
  for (const [signature, count] of Object.entries(from.outcomes)) into.outcomes[signature] = (into.outcomes[signature] ?? 0) + count;
  for (const [key, counts] of Object.entries(from.keys)) addKey(into.keys, key, counts);
  for (const [key, count] of Object.entries(from.noiseKeys)) into.noiseKeys[key] = (into.noiseKeys[key] ?? 0) + count;
}

/** Sums the workers' snapshots route by route and endpoint by endpoint. Pure. */
export function mergeParallelSnapshots(snapshots: readonly ParallelSnapshot[]): ParallelSnapshot {
  const merged = new Map<string, RouteCounts>();
  for (const snapshot of snapshots) {
    for (const counts of snapshot.routes) {
      const key = routeCountsKey(counts.route, counts.candidateRelease);
      let into = merged.get(key);
      if (into === undefined) {
        into = {
          route: counts.route,
          environment: counts.environment,
          service: counts.service,
          candidateRelease: counts.candidateRelease,
          mirrored: 0,
          dropped: 0,
          tooLarge: 0,
          endpoints: {},
        };
        merged.set(key, into);
      }
      into.mirrored += counts.mirrored;
      into.dropped += counts.dropped;
      into.tooLarge += counts.tooLarge;
      for (const [endpoint, from] of Object.entries(counts.endpoints)) {
        const target = (into.endpoints[endpoint] ??= emptyEndpointCounts());
        addEndpoint(target, from);
      }
    }
  }
  return { routes: [...merged.values()] };
}

/** What one comparison found: unique keys with the first occurrence's values. */
export interface FoundDifference {
  readonly key: string;
  readonly trusted: string;
  readonly candidate: string;
}

/** The endpoint's counts, creating them within the bound (else the shared `other`). */
export function endpointCounts(counts: RouteCounts, endpoint: string): EndpointCounts {
  const existing = counts.endpoints[endpoint];
  if (existing !== undefined) return existing;
  const name = Object.keys(counts.endpoints).length < maxEndpoints ? endpoint : otherEndpoint;
  return (counts.endpoints[name] ??= emptyEndpointCounts());
}

function boundedKey(known: Record<string, unknown>, key: string): string {
  return key in known || Object.keys(known).length < maxKeysPerEndpoint ? key : otherKey;
}

/** Counts a candidate comparison, with a sample per key while there are fewer than `maxSamples`. */
export function recordCandidate(endpoint: EndpointCounts, path: string, differences: readonly FoundDifference[]): void {
  endpoint.compared++;
  const keys: string[] = [];
  for (const difference of differences) {
    const key = boundedKey(endpoint.keys, difference.key);
    if (keys.includes(key)) continue;
    keys.push(key);
    const counts = (endpoint.keys[key] ??= { count: 0, samples: [] });
    counts.count++;
    if (counts.samples.length < maxSamples) counts.samples.push({ path, trusted: difference.trusted, candidate: difference.candidate });
  }
  keys.sort();
  const signature = keys.join('\n');
  const bounded = signature in endpoint.outcomes || Object.keys(endpoint.outcomes).length < maxOutcomesPerEndpoint ? signature : overflowSignature;
  endpoint.outcomes[bounded] = (endpoint.outcomes[bounded] ?? 0) + 1;
}

/** Counts a trusted-vs-trusted comparison. */
export function recordNoise(endpoint: EndpointCounts, differences: readonly FoundDifference[]): void {
  endpoint.noiseCompared++;
  const keys = new Set<string>();
  for (const difference of differences) keys.add(boundedKey(endpoint.noiseKeys, difference.key));
  for (const key of keys) endpoint.noiseKeys[key] = (endpoint.noiseKeys[key] ?? 0) + 1;
}
