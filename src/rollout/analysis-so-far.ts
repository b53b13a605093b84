/**
 * Judges an analysis window while it is still open, so a bad canary is stopped as soon as the
 * evidence is conclusive instead of when its window ends. Before the window ends only a
 * sequential test of the error rate can fail the step (latency is judged at the window's end:
 * percentiles of a few requests say little); the full judgement comes at the end as before.
 * Pure: the caller looks at the counters every `interimEveryMs(spec)` and records the verdict.
 */
import type { AnalysisCheckSpec, AnalysisSpec } from '../spec/schema.js';
import type { AnalysisMeasurements, AnalysisVerdict, CheckResult, ReleaseFigures } from './analysis.js';
import { judgeAnalysis, limitOf, metricOf, percent, releaseFigures } from './analysis.js';
import { errorRateEvidence } from './error-evidence.js';

export const defaultInterimEveryMs = 1000;
/**
 * Chance that a canary whose true error rate is at its limit is ever stopped early, however long
 * the window and however often it is looked at (the sequential test's guarantee).
 */
export const failFastAlpha = 0.001;

export function failFastOf(spec: AnalysisSpec): boolean {
  return spec.failFast ?? true;
}

export function interimEveryMs(spec: AnalysisSpec): number {
  return spec.interimEvery ?? defaultInterimEveryMs;
}

/** How long after `elapsedMs` into the window to look again: the next interim look or the window's end. */
export function nextLookInMs(spec: AnalysisSpec, elapsedMs: number): number {
  const untilEnd = Math.max(0, spec.window - elapsedMs);
  return failFastOf(spec) ? Math.min(interimEveryMs(spec), untilEnd) : untilEnd;
}

/**
 * The verdict on the window so far, `elapsedMs` after it began: `fail` as soon as an error-rate
 * check cannot be passed with confidence 1 − failFastAlpha (minRequests does not hold this back:
 * the test's guarantee holds from the first request), `inconclusive` (go on measuring) otherwise; at and after the window's end, the full judgement (which a sequential failure
 * still overrides while that one lacks requests).
 */
export function judgeSoFar(spec: AnalysisSpec, measurements: AnalysisMeasurements, elapsedMs: number): AnalysisVerdict {
  const final = elapsedMs >= spec.window ? judgeAnalysis(spec, measurements) : null;
  if (final && final.outcome !== 'inconclusive') return final;
  const canary = releaseFigures(measurements.canary);
  const stable = measurements.stable ? releaseFigures(measurements.stable) : null;
  const sequential = spec.checks.map((check) => sequentialCheck(check, canary, failFastOf(spec)));
  const failed = sequential.filter((check) => check.outcome === 'fail');
  const base = { counts: { canary, stable }, minRequests: spec.minRequests };
  if (failed.length > 0) {
    return { ...base, outcome: 'fail', checks: sequential, reason: failed.map((check) => check.detail).join('; ') };
  }
  if (final) return final;
  return {
    ...base,
    outcome: 'inconclusive',
    checks: sequential,
    reason: `${Math.round(elapsedMs / 1000)}s of the ${Math.round(spec.window / 1000)}s window: no conclusive failure so far`,
  };
}

function sequentialCheck(check: AnalysisCheckSpec, canary: ReleaseFigures, failFast: boolean): CheckResult {
  const common = { metric: metricOf(check), limit: limitOf(check), ok: false };
  if (check.kind !== 'error-rate' || !failFast) {
    return { ...common, outcome: 'inconclusive', value: null, detail: `${common.metric}: judged at the window's end` };
  }
  const evidence = errorRateEvidence(canary.requests, canary.errors, check.max, failFastAlpha);
  const rate = canary.errorRate ?? 0;
  const seen = `errorRate ${percent(rate)} (${canary.errors} of ${canary.requests})`;
  if (!evidence.conclusive) {
    return { ...common, outcome: 'inconclusive', value: rate, detail: `${seen}: not conclusively above max ${percent(check.max)} yet` };
  }
  const factor = Number.isFinite(evidence.bayesFactor) ? evidence.bayesFactor.toPrecision(3) : 'above 1e308';
  const strength = evidence.cannotPass ? 'no error is allowed' : `likelihood ratio ${factor} ≥ ${evidence.threshold}`;
  return { ...common, outcome: 'fail', value: rate, detail: `${seen} conclusively above max ${percent(check.max)} (sequential test: ${strength})` };
}
