/**
 * Is the canary's latency tail heavier than the stable's, beyond noise? A one-sided exact
 * permutation test on the two histograms: take the bucket holding the pooled `quantile` (both
 * releases' requests together) and count the canary's requests in the buckets above it. If both
 * releases had one latency distribution, which requests are the canary's would be a random draw
 * from the pool, so that count is hypergeometric; the p-value is its upper tail. The threshold
 * comes from the pool, not from the stable release alone, so the test stays exact for small
 * windows (a threshold read from one side's sample would favour that side).
 */
import type { LatencyHistogram } from './histogram.js';
import { histogramTotal } from './histogram.js';

export interface TailTestResult {
  /** Upper bound (ms) of the bucket holding the pooled quantile: requests above it count as the tail. */
  readonly thresholdMs: number;
  readonly canaryAbove: number;
  readonly pooledAbove: number;
  readonly canaryRequests: number;
  readonly pooledRequests: number;
  /** Probability of at least `canaryAbove` of the tail being the canary's if both releases were alike. */
  readonly pValue: number;
}

/** Undefined when the histograms' buckets differ or one of them is empty. */
export function slowerTail(canary: LatencyHistogram, stable: LatencyHistogram, quantile: number): TailTestResult | undefined {
  const sameBounds = canary.bounds.length === stable.bounds.length && canary.bounds.every((bound, index) => bound === stable.bounds[index]);
  const canaryRequests = histogramTotal(canary);
  const pooled = canary.counts.map((count, index) => count + (stable.counts[index] ?? 0));
  const pooledRequests = canaryRequests + histogramTotal(stable);
  if (!sameBounds || canaryRequests === 0 || pooledRequests === canaryRequests) return undefined;
  const rank = quantile * pooledRequests;
  let bucket = 0;
  for (let below = 0; bucket < pooled.length - 1; bucket++) {
    below += pooled[bucket] ?? 0;
    if (below >= rank) break;
  }
  const sumAbove = (counts: readonly number[]): number => counts.slice(bucket + 1).reduce((sum, count) => sum + count, 0);
  const canaryAbove = sumAbove(canary.counts);
  const pooledAbove = sumAbove(pooled);
  return {
    thresholdMs: canary.bounds[bucket] ?? Infinity,
    canaryAbove,
    pooledAbove,
    canaryRequests,
    pooledRequests,
    pValue: hypergeometricAtLeast(canaryAbove, { population: pooledRequests, marked: pooledAbove, drawn: canaryRequests }),
  };
}

/** P(X >= k) for X the marked items among `drawn` taken without replacement from `population`. */
export function hypergeometricAtLeast(k: number, draw: { readonly population: number; readonly marked: number; readonly drawn: number }): number {
  const { population, marked, drawn } = draw;
  const low = Math.max(0, drawn - (population - marked));
  const high = Math.min(marked, drawn);
  if (k <= low) return 1;
  if (k > high) return 0;
  // Weights relative to P(X = low), by the ratio of consecutive probabilities, in log space.
  let logWeight = 0;
  let total = 0;
  let tail = 0;
  const weights: number[] = [];
  for (let x = low; x <= high; x++) {
    weights.push(logWeight);
    logWeight += Math.log(((marked - x) * (drawn - x)) / ((x + 1) * (population - marked - drawn + x + 1)));
  }
  const top = Math.max(...weights);
  weights.forEach((weight, index) => {
    const value = Math.exp(weight - top);
    total += value;
    if (low + index >= k) tail += value;
  });
  return Math.min(1, tail / total);
}
