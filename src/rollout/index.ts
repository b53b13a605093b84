export { analysisNamed, judgeAnalysis, ratioSignificance, releaseFigures } from './analysis.js';
export { defaultInterimEveryMs, failFastAlpha, failFastOf, interimEveryMs, judgeSoFar, nextLookInMs } from './analysis-so-far.js';
export type { AnalysisMeasurements, AnalysisVerdict, CheckResult, ReleaseFigures, ReleaseWindow, VerdictOutcome } from './analysis.js';
export { blueGreenSteps } from './blue-green.js';
export { canaryInstances, weightBefore } from './canary.js';
export { emptyHistogram, histogramOf, histogramTotal, latencyBoundsMs, percentileFromBuckets } from './histogram.js';
export type { LatencyHistogram } from './histogram.js';
export { mannWhitneyGreater, mannWhitneyGreaterGrouped, normalSurvival } from './mann-whitney.js';
export type { MannWhitneyResult } from './mann-whitney.js';
export { planRollout, strategies } from './registry.js';
export { rollingLimits } from './rolling.js';
export type { RollingLimits } from './rolling.js';
export { initialCursor, noRequests, personActions } from './strategy.js';
export type {
  AnalysisRequest,
  InstanceState,
  MatchRoute,
  RolloutInstance,
  PersonAction,
  ReleaseInstances,
  RolloutCursor,
  RolloutInput,
  RolloutPhase,
  RolloutPlan,
  RolloutRequests,
  RolloutResult,
  StartInstances,
  StepVerdict,
  Strategy,
  StrategyOf,
  TrafficPlan,
} from './strategy.js';
