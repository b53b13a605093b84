/**
 * One look at an analysis window under way, for the runner that measures it: the verdict on the
 * window so far, whether to record it, and when to look again. Pure. Interim looks that find
 * nothing conclusive are not recorded (the step is simply still measuring); from the window's end
 * on, an inconclusive verdict is recorded, as it says what is missing (too few requests).
 */
import type { AnalysisVerdict } from '../rollout/index.js';
import { judgeSoFar, nextLookInMs } from '../rollout/index.js';
import type { AnalysisSpec } from '../spec/schema.js';
import { analysisMeasurements } from './analysis-window.js';
import type { AnalysisWindow, CountersSnapshot } from './deployment.js';

/** Past the window's end, an inconclusive window is judged again this often while it grows. */
export const rejudgeEveryMs = 1000;

export interface AnalysisLook {
  readonly verdict: AnalysisVerdict;
  readonly elapsedMs: number;
  /** Record the verdict (onVerdict); false for an interim look that found nothing conclusive. */
  readonly record: boolean;
  /** Look again in this many ms; null once the verdict is final (pass or fail). */
  readonly nextInMs: number | null;
}

export function lookAtWindow(
  spec: AnalysisSpec,
  window: AnalysisWindow,
  snapshot: CountersSnapshot,
  releases: { readonly canary: string; readonly stable: string },
): AnalysisLook {
  const elapsedMs = snapshot.at - window.baseline.at;
  const verdict = judgeSoFar(spec, analysisMeasurements(window.baseline, snapshot, releases), elapsedMs);
  const ended = elapsedMs >= spec.window;
  if (verdict.outcome !== 'inconclusive') return { verdict, elapsedMs, record: true, nextInMs: null };
  return { verdict, elapsedMs, record: ended, nextInMs: ended ? rejudgeEveryMs : nextLookInMs(spec, elapsedMs) };
}
