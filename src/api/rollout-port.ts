/**
 * The port the rollout and parallel-run routes serve, apart from the ControlPlane: `main/` wires
 * the deployment controllers of the environments to it. Its views are plain JSON.
 */
import type { ParallelRouteFigures, UnreadRouter } from '../core/parallel-report.js';
import type { CheckResult, PersonAction, ReleaseFigures, RolloutPhase, RolloutResult, VerdictOutcome } from '../rollout/index.js';
import type { StrategyType } from '../spec/schema.js';

export type { ParallelDifference, ParallelEndpointReport, ParallelRouteFigures, ParallelSample, UnreadRouter } from '../core/parallel-report.js';
export type { StrategyType };
export { strategyTypes } from '../spec/strategy-types.js';

/** What a person may ask of a rollout under way. */
export type RolloutAction = PersonAction;
export { personActions as rolloutActions } from '../rollout/index.js';

export type RolloutStepState = 'done' | 'current' | 'pending' | 'failed' | 'skipped';

export interface RolloutStepView {
  readonly index: number;
  /** `weight`, `pause`, `analysis`, `full` (canary); the phase name (blue-green); `replace` (rolling, recreate). */
  readonly kind: string;
  /** For people: `weight 10%`, `pause 30s`, `analysis default`, `awaiting-promote`… */
  readonly label: string;
  readonly state: RolloutStepState;
}

export interface AnalysisView {
  readonly step: number;
  readonly name: string;
  readonly outcome: VerdictOutcome;
  readonly reason: string;
  /** The window judged: ISO times. */
  readonly since: string;
  readonly at: string;
  readonly minRequests: number;
  /** The new release's figures (requests, errors, errorRate, p50/p95/p99 in ms). */
  readonly canary: ReleaseFigures;
  readonly stable: ReleaseFigures | null;
  readonly checks: readonly CheckResult[];
}

export interface RequestMatchView {
  readonly kind: 'header' | 'cookie';
  readonly name: string;
  readonly value: string;
  readonly release: string;
}

export interface ReleaseRef {
  /** `v3`. */
  readonly release: string;
  readonly artifact: string | null;
  readonly configHash: string;
}

export interface RolloutView {
  readonly id: number;
  readonly environment: string;
  readonly service: string;
  readonly strategy: StrategyType;
  /** The strategy's settings as the deployment uses them. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly stable: ReleaseRef;
  readonly next: ReleaseRef;
  /** False once finished (completed, rolled back, superseded by a newer release, or cancelled). */
  readonly active: boolean;
  readonly phase: RolloutPhase;
  readonly result: RolloutResult | null;
  readonly reason: string;
  /** Index of the current step in `steps`. */
  readonly step: number;
  readonly steps: readonly RolloutStepView[];
  /** Percent per release in force; null when requests spread over every ready instance. */
  readonly weights: Readonly<Record<string, number>> | null;
  readonly matches: readonly RequestMatchView[];
  /** Blue-green: requests matching this reach the new release before the switch. */
  readonly preview: RequestMatchView | null;
  readonly analyses: readonly AnalysisView[];
  readonly requests: { readonly paused: boolean; readonly promote: boolean; readonly abort: boolean };
  readonly actions: readonly { readonly action: RolloutAction; readonly author: string; readonly at: string }[];
  /** What made the release: deploy, promote, rollback, restore, apply, config. */
  readonly trigger: string;
  readonly author: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

export interface ParallelView {
  readonly environment: string;
  readonly service: string;
  readonly active: boolean;
  readonly candidate: string;
  readonly trusted: string;
  readonly author: string;
  readonly startedAt: string;
  readonly settings: { readonly percent: number; readonly methods: readonly string[]; readonly compareHeaders: readonly string[]; readonly ignoreFields: readonly string[] };
  /** Over every route of the service: compared answers and the share without a real difference. */
  readonly compared: number;
  readonly matchRate: number | null;
  readonly routes: readonly ParallelRouteFigures[];
  /** Routers (a cluster's replicas) that did not answer: their share of the copies is not in the figures. */
  readonly unreadRouters: readonly UnreadRouter[];
}

export interface RolloutPort {
  /** The rollout under way, else the last one. Throws SKIFF_NO_ROLLOUT. */
  rollout(environment: string, service: string): RolloutView;
  /** A person's request. Throws SKIFF_NO_ROLLOUT, SKIFF_ROLLOUT_FINISHED, SKIFF_ROLLOUT_ACTION_INVALID. */
  act(options: { readonly environment: string; readonly service: string; readonly action: RolloutAction; readonly author: string }): RolloutView;
  /**
   * Starts a parallel run: `release` (`v3`) or `version` (an artifact, as `deploy` takes it) runs
   * beside the current release and gets a copy of the requests. Throws SKIFF_ROLLOUT_ACTIVE,
   * SKIFF_PARALLEL_ACTIVE, SKIFF_RELEASE_NOT_FOUND, SKIFF_NOT_DEPLOYED.
   */
  startParallel(options: {
    readonly environment: string;
    readonly service: string;
    readonly release?: string;
    readonly version?: string;
    readonly author: string;
  }): Promise<ParallelView>;
  /** The run and its report. Throws SKIFF_NO_PARALLEL_RUN. */
  parallel(environment: string, service: string): Promise<ParallelView>;
  /** Stops the run (the candidate's instances go) and returns its last report. */
  stopParallel(options: { readonly environment: string; readonly service: string; readonly author: string }): Promise<ParallelView>;
}
