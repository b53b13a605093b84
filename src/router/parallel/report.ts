/**
 * The parallel-run report: which differences between the candidate and the trusted release are
 * real. A difference key is real only when the candidate shows it clearly more often than two
 * trusted instances do between themselves (timestamps, random ids are noise), as Diffy does.
 * Pure: counts in, report out.
 */
import type { ParallelDifference, ParallelEndpointReport, ParallelReport, ParallelRouteReport } from '../../core/parallel-report.js';
import { overflowSignature, type EndpointCounts, type ParallelSnapshot, type RouteCounts } from './counts.js';

export type { ParallelDifference, ParallelEndpointReport, ParallelReport, ParallelRouteReport, ParallelSample } from '../../core/parallel-report.js';

/**
 * A key the noise also shows is real only when the candidate's rate exceeds the noise's by more
 * than `absolute` and by more than `relative` of the noise's rate (Diffy's two thresholds): a
 * timestamp that differs 100% of the time against 90% between trusted instances is noise.
 */
export interface ReportOptions {
  /** Default 0.03 (3 points). */
  readonly absoluteThreshold?: number;
  /** Default 0.2 (20% more than the noise). */
  readonly relativeThreshold?: number;
}

interface Thresholds {
  readonly absolute: number;
  readonly relative: number;
}

function beyondNoise(candidateRate: number, noiseRate: number, thresholds: Thresholds): boolean {
  const excess = candidateRate - noiseRate;
  return excess > thresholds.absolute && excess > thresholds.relative * noiseRate;
}

interface NoiseSource {
  readonly compared: number;
  readonly keys: Readonly<Record<string, number>>;
}

function routeNoise(counts: RouteCounts): NoiseSource {
  let compared = 0;
  const keys: Record<string, number> = {};
  for (const endpoint of Object.values(counts.endpoints)) {
    compared += endpoint.noiseCompared;
    for (const [key, count] of Object.entries(endpoint.noiseKeys)) keys[key] = (keys[key] ?? 0) + count;
  }
  return { compared, keys };
}

function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

function endpointReport(
  name: string,
  counts: EndpointCounts,
  fallbackNoise: NoiseSource,
  thresholds: Thresholds,
  noiseKeys: Set<string>,
): ParallelEndpointReport {
  // An endpoint that got no noise copy (one trusted instance answered it) uses the route's noise.
  const noise: NoiseSource | null =
    counts.noiseCompared > 0 ? { compared: counts.noiseCompared, keys: counts.noiseKeys } : fallbackNoise.compared > 0 ? fallbackNoise : null;
  const real = new Set<string>();
  const differences: ParallelDifference[] = [];
  for (const [key, keyCounts] of Object.entries(counts.keys)) {
    if (keyCounts.count === 0) continue;
    const candidateRate = counts.compared === 0 ? 0 : keyCounts.count / counts.compared;
    const noiseCount = noise === null ? 0 : (noise.keys[key] ?? 0);
    const noiseRate = noise === null ? null : noiseCount / noise.compared;
    if (noiseRate !== null && noiseCount > 0 && !beyondNoise(candidateRate, noiseRate, thresholds)) {
      noiseKeys.add(key);
      continue;
    }
    real.add(key);
    differences.push({ key, candidateCount: keyCounts.count, candidateRate, noiseRate, samples: keyCounts.samples });
  }
  differences.sort((a, b) => b.candidateCount - a.candidateCount || a.key.localeCompare(b.key));
  let differing = 0;
  for (const [signature, count] of Object.entries(counts.outcomes)) {
    if (signature === '') continue;
    const isReal = signature === overflowSignature ? real.size > 0 : signature.split('\n').some((key) => real.has(key));
    if (isReal) differing += count;
  }
  differing = Math.min(differing, counts.compared);
  return { endpoint: name, compared: counts.compared, differing, matchRate: rate(counts.compared - differing, counts.compared), differences };
}

function routeReport(counts: RouteCounts, thresholds: Thresholds): ParallelRouteReport {
  const noise = routeNoise(counts);
  const noiseKeys = new Set<string>();
  const endpoints = Object.entries(counts.endpoints).map(([name, endpoint]) => endpointReport(name, endpoint, noise, thresholds, noiseKeys));
  endpoints.sort((a, b) => Number(b.differing > 0) - Number(a.differing > 0) || a.endpoint.localeCompare(b.endpoint));
  let compared = 0;
  let differing = 0;
  for (const endpoint of endpoints) {
    compared += endpoint.compared;
    differing += endpoint.differing;
  }
  // A key real on one endpoint and noise on another is reported where it is real; list it as noise only if it is never real.
  for (const endpoint of endpoints) for (const difference of endpoint.differences) noiseKeys.delete(difference.key);
  return {
    route: counts.route,
    environment: counts.environment,
    service: counts.service,
    candidateRelease: counts.candidateRelease,
    mirrored: counts.mirrored,
    compared,
    matched: compared - differing,
    matchRate: rate(compared - differing, compared),
    noiseCompared: noise.compared,
    dropped: counts.dropped,
    tooLarge: counts.tooLarge,
    endpoints,
    noiseKeys: [...noiseKeys].sort(),
  };
}

/** Judges merged counts: real differences with examples, noise keys filtered out, match rates. */
export function buildParallelReport(snapshot: ParallelSnapshot, options: ReportOptions = {}): ParallelReport {
  const thresholds = { absolute: options.absoluteThreshold ?? 0.03, relative: options.relativeThreshold ?? 0.2 };
  const routes = snapshot.routes.map((counts) => routeReport(counts, thresholds));
  routes.sort((a, b) => a.route.localeCompare(b.route) || a.candidateRelease.localeCompare(b.candidateRelease));
  return { routes };
}
