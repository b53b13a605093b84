/**
 * Latency histograms with fixed buckets, as the router keeps them (counters, no samples), and
 * percentiles read from them the way Prometheus' histogram_quantile does.
 */

export interface LatencyHistogram {
  /** Upper bounds in ms, ascending; a latency v counts in the first bucket with v <= bound. */
  readonly bounds: readonly number[];
  /** Per bucket, not cumulative; one more than `bounds`: the last counts latencies above every bound. */
  readonly counts: readonly number[];
}

/** The default bounds in ms. */
export const latencyBoundsMs: readonly number[] = [1, 2, 5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2500, 5000, 10_000];

export function emptyHistogram(bounds: readonly number[] = latencyBoundsMs): LatencyHistogram {
  return { bounds, counts: new Array<number>(bounds.length + 1).fill(0) };
}

export function histogramOf(samples: readonly number[], bounds: readonly number[] = latencyBoundsMs): LatencyHistogram {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const sample of samples) {
    let index = bounds.findIndex((bound) => sample <= bound);
    if (index === -1) index = bounds.length;
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return { bounds, counts };
}

export function histogramTotal(histogram: LatencyHistogram): number {
  return histogram.counts.reduce((sum, count) => sum + count, 0);
}

/**
 * The `q` quantile (0..1), interpolated linearly inside its bucket (the first bucket starts at 0).
 * A quantile in the overflow bucket is reported as the last bound, a floor of the true value.
 * Undefined for an empty histogram.
 */
export function percentileFromBuckets(histogram: LatencyHistogram, q: number): number | undefined {
  const total = histogramTotal(histogram);
  if (total === 0) return undefined;
  const rank = Math.min(1, Math.max(0, q)) * total;
  let below = 0;
  for (let index = 0; index < histogram.counts.length; index++) {
    const count = histogram.counts[index] ?? 0;
    if (count > 0 && below + count >= rank) {
      const upper = histogram.bounds[index];
      const lower = index === 0 ? 0 : (histogram.bounds[index - 1] as number);
      if (upper === undefined) return lower;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return histogram.bounds[histogram.bounds.length - 1];
}
