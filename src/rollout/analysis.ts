/**
 * Judges a window of measurements of the new (canary) and the stable release against an
 * analysis of the spec. Pure: the caller collects the figures (the router's per-release counters
 * and histograms) and records the verdict, every figure included, as an event.
 */
import { assertNever } from '../core/assert-never.js';
import type { AnalysisCheckSpec, AnalysisSpec, LatencyPercentile } from '../spec/schema.js';
import { defaultAnalysis } from '../spec/schema.js';
import { histogramTotal, percentileFromBuckets } from './histogram.js';
import type { LatencyHistogram } from './histogram.js';
import { mannWhitneyGreater, mannWhitneyGreaterGrouped } from './mann-whitney.js';
import type { MannWhitneyResult } from './mann-whitney.js';
import { slowerTail } from './tail-test.js';

/** What was measured for one release in the window. */
export interface ReleaseWindow {
  readonly requests: number;
  /** 5xx answers and connection failures. */
  readonly errors: number;
  readonly latency: LatencyHistogram;
  /** Raw latencies in ms, when the measurer kept them; the statistical test prefers them to buckets. */
  readonly samples?: readonly number[];
}

export interface AnalysisMeasurements {
  readonly canary: ReleaseWindow;
  /** Undefined when there is no stable release to compare with. */
  readonly stable?: ReleaseWindow;
}

export type VerdictOutcome = 'pass' | 'fail' | 'inconclusive';

export interface CheckResult {
  /** As the spec writes it: `errorRate`, `p99`, `p99/stable`, `latency mann-whitney`. */
  readonly metric: string;
  readonly outcome: VerdictOutcome;
  /** True only when the check passed. */
  readonly ok: boolean;
  /** The measured figure (a fraction, ms, a ratio or a p-value); null when it could not be measured. */
  readonly value: number | null;
  readonly limit: number;
  readonly detail: string;
}

export interface ReleaseFigures {
  readonly requests: number;
  readonly errors: number;
  /** errors / requests; null without requests. */
  readonly errorRate: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface AnalysisVerdict {
  readonly outcome: VerdictOutcome;
  readonly checks: readonly CheckResult[];
  readonly counts: { readonly canary: ReleaseFigures; readonly stable: ReleaseFigures | null };
  readonly minRequests: number;
  readonly reason: string;
}

const quantiles: Record<LatencyPercentile, number> = { p50: 0.5, p95: 0.95, p99: 0.99 };
/** At most this share of releases identical to the stable one fail a percentile-ratio check. */
export const ratioSignificance = 0.01;

export function releaseFigures(window: ReleaseWindow): ReleaseFigures {
  const percentile = (name: LatencyPercentile): number | null => percentileFromBuckets(window.latency, quantiles[name]) ?? null;
  return {
    requests: window.requests,
    errors: window.errors,
    errorRate: window.requests > 0 ? window.errors / window.requests : null,
    p50: percentile('p50'),
    p95: percentile('p95'),
    p99: percentile('p99'),
  };
}

export const percent = (fraction: number): string => `${+(fraction * 100).toFixed(2)}%`;
const ms = (value: number): string => `${+value.toFixed(1)}ms`;

export function metricOf(check: AnalysisCheckSpec): string {
  switch (check.kind) {
    case 'error-rate':
      return 'errorRate';
    case 'latency':
      return check.percentile;
    case 'latency-ratio':
      return `${check.percentile}/stable`;
    case 'mann-whitney':
      return 'latency mann-whitney';
    default:
      return assertNever(check, 'analysis check');
  }
}

export function limitOf(check: AnalysisCheckSpec): number {
  switch (check.kind) {
    case 'error-rate':
      return check.max;
    case 'latency':
      return check.maxMs;
    case 'latency-ratio':
      return check.maxRatio;
    case 'mann-whitney':
      return check.alpha;
    default:
      return assertNever(check, 'analysis check');
  }
}

type Judged = Pick<CheckResult, 'outcome' | 'value' | 'detail'>;

const judged = (ok: boolean, value: number, detail: string): Judged => ({ outcome: ok ? 'pass' : 'fail', value, detail });
const unjudged = (detail: string, value: number | null = null): Judged => ({ outcome: 'inconclusive', value, detail });

interface Context {
  readonly canary: ReleaseFigures;
  readonly stable: ReleaseFigures | null;
  readonly measurements: AnalysisMeasurements;
  readonly minRequests: number;
}

function stableShort(context: Context): string | undefined {
  if (!context.stable) return 'no stable release to compare with';
  if (context.stable.requests < context.minRequests) return `stable served ${context.stable.requests} of ${context.minRequests} requests needed`;
  return undefined;
}

function judgeCheck(check: AnalysisCheckSpec, context: Context): Judged {
  const { canary } = context;
  switch (check.kind) {
    case 'error-rate': {
      const rate = canary.errorRate ?? 0;
      const detail = `errorRate ${percent(rate)} (${canary.errors} of ${canary.requests}) ${rate <= check.max ? 'within' : 'above'} max ${percent(check.max)}`;
      return judged(rate <= check.max, rate, detail);
    }
    case 'latency': {
      const value = canary[check.percentile];
      if (value === null) return unjudged(`${check.percentile}: no latency measured`);
      return judged(value <= check.maxMs, value, `${check.percentile} ${ms(value)} ${value <= check.maxMs ? 'within' : 'above'} max ${ms(check.maxMs)}`);
    }
    case 'latency-ratio': {
      const short = stableShort(context);
      if (short) return unjudged(`${check.percentile}/stable: ${short}`);
      const mine = canary[check.percentile];
      const theirs = context.stable?.[check.percentile] ?? null;
      if (mine === null || theirs === null || theirs <= 0) return unjudged(`${check.percentile}/stable: no latency measured`);
      const ratio = mine / theirs;
      const figures = `${check.percentile} ${ms(mine)} is ${+ratio.toFixed(3)} × stable ${ms(theirs)}`;
      if (ratio <= check.maxRatio) return judged(true, ratio, `${figures}, within max ${check.maxRatio}`);
      const slower = significantlySlower(context.measurements, quantiles[check.percentile]);
      return slower.significant
        ? judged(false, ratio, `${figures}, above max ${check.maxRatio}, and significantly slower: ${slower.detail}`)
        : judged(true, ratio, `${figures}, above max ${check.maxRatio} but within noise: ${slower.detail}`);
    }
    case 'mann-whitney': {
      const short = stableShort(context);
      if (short) return unjudged(`mann-whitney: ${short}`);
      const result = latencyTest(context.measurements);
      if (!result) return unjudged('mann-whitney: the two releases have no comparable latency data');
      const ok = result.pValue >= check.alpha;
      const figures = `U=${result.u}, z=${result.z.toFixed(3)}, p=${result.pValue.toPrecision(3)} (n=${result.nA}, m=${result.nB})`;
      return judged(ok, result.pValue, ok ? `canary not significantly slower: ${figures}` : `canary slower than stable: ${figures} below alpha ${check.alpha}`);
    }
    default:
      return assertNever(check, 'analysis check');
  }
}

/**
 * A percentile of a small window is noisy, so a ratio above its limit fails only when the canary
 * is also significantly slower: its whole distribution (Mann-Whitney) or its tail beyond the
 * pooled quantile (the tail test), each at half of `ratioSignificance` so that both together
 * fail an identical release at most that often.
 */
function significantlySlower(measurements: AnalysisMeasurements, quantile: number): { readonly significant: boolean; readonly detail: string } {
  const level = ratioSignificance / 2;
  const whole = latencyTest(measurements);
  const tail = measurements.stable ? slowerTail(measurements.canary.latency, measurements.stable.latency, quantile) : undefined;
  const wholeDetail = whole ? `Mann-Whitney p=${whole.pValue.toPrecision(3)}` : 'Mann-Whitney: no comparable latencies';
  const tailDetail = tail
    ? `tail p=${tail.pValue.toPrecision(3)} (${tail.canaryAbove} of the ${tail.pooledAbove} requests above ${ms(tail.thresholdMs)} are the canary's, ${tail.canaryRequests} of ${tail.pooledRequests} in all)`
    : 'tail: no comparable histograms';
  const significant = (whole !== undefined && whole.pValue < level) || (tail !== undefined && tail.pValue < level);
  return { significant, detail: `${wholeDetail}, ${tailDetail}, significant below ${level}` };
}

/** Raw samples when both sides have them; otherwise the histograms, when their buckets agree. */
function latencyTest(measurements: AnalysisMeasurements): MannWhitneyResult | undefined {
  const { canary, stable } = measurements;
  if (!stable) return undefined;
  if (canary.samples && stable.samples) return mannWhitneyGreater(canary.samples, stable.samples);
  const sameBuckets =
    canary.latency.bounds.length === stable.latency.bounds.length && canary.latency.bounds.every((bound, index) => bound === stable.latency.bounds[index]);
  if (!sameBuckets || histogramTotal(canary.latency) === 0 || histogramTotal(stable.latency) === 0) return undefined;
  return mannWhitneyGreaterGrouped(canary.latency.counts, stable.latency.counts);
}

export function judgeAnalysis(spec: AnalysisSpec, measurements: AnalysisMeasurements): AnalysisVerdict {
  const canary = releaseFigures(measurements.canary);
  const stable = measurements.stable ? releaseFigures(measurements.stable) : null;
  const counts = { canary, stable };
  const context: Context = { canary, stable, measurements, minRequests: spec.minRequests };
  const tooFew = canary.requests < spec.minRequests;
  const checks = spec.checks.map((check): CheckResult => {
    const result = tooFew ? unjudged(`canary served ${canary.requests} of ${spec.minRequests} requests needed`) : judgeCheck(check, context);
    return { metric: metricOf(check), limit: limitOf(check), ok: result.outcome === 'pass', ...result };
  });
  const failed = checks.filter((check) => check.outcome === 'fail');
  const open = checks.filter((check) => check.outcome === 'inconclusive');
  if (failed.length > 0) {
    return { outcome: 'fail', checks, counts, minRequests: spec.minRequests, reason: failed.map((check) => check.detail).join('; ') };
  }
  if (tooFew) {
    return { outcome: 'inconclusive', checks, counts, minRequests: spec.minRequests, reason: `too few requests: ${canary.requests} of ${spec.minRequests}` };
  }
  if (open.length > 0) {
    return { outcome: 'inconclusive', checks, counts, minRequests: spec.minRequests, reason: open.map((check) => check.detail).join('; ') };
  }
  return { outcome: 'pass', checks, counts, minRequests: spec.minRequests, reason: `all ${checks.length} check(s) passed` };
}

/** The analysis a canary step names: the spec's own, else the built-in `default`. */
export function analysisNamed(analyses: Readonly<Record<string, AnalysisSpec>>, name: string): AnalysisSpec | undefined {
  return Object.hasOwn(analyses, name) ? analyses[name] : name === 'default' ? defaultAnalysis : undefined;
}
