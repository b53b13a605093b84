/**
 * The shared shape of every rollout strategy: a pure step machine that reads plain data (what the
 * spec asks for, what is observed, what people requested, the last analysis verdict, `now`) and
 * returns a plan as plain data. The deployment controller applies the plan and persists `cursor`.
 */
import type { InstanceState } from '../core/instance.js';
import type { StrategySpec, StrategyType, TrafficMatch } from '../spec/schema.js';
import type { AnalysisVerdict } from './analysis.js';

export type { InstanceState };

/** What a strategy reads of an instance: its release and state (and, when crashed, why and how often). */
export interface RolloutInstance {
  readonly id: string;
  readonly release: string;
  readonly state: InstanceState;
  readonly reason?: string | null;
  readonly restarts?: number;
}

/** One release's instances as observed (all states, `stopping` included). */
export interface ReleaseInstances {
  /** Release name, e.g. `v4`. */
  readonly release: string;
  readonly instances: readonly RolloutInstance[];
}

/**
 * Where a rollout stands, carried from one plan to the next: the plan returns the cursor the next
 * input should carry. `step` means what each strategy says it means (canary: index in its steps).
 */
export interface RolloutCursor {
  readonly step: number;
  /** When the current step began (ms since epoch). */
  readonly stepStartedAt: number;
  /** Set once the rollout is aborted; it then only rolls back to the stable release. */
  readonly aborted?: { readonly reason: string; readonly at: number };
}

/** What a person may ask of a rollout (`skiff rollout promote|pause|resume|abort|undo`). */
export type PersonAction = 'promote' | 'pause' | 'resume' | 'abort' | 'undo';
export const personActions: readonly PersonAction[] = ['promote', 'pause', 'resume', 'abort', 'undo'];

/**
 * What people asked for (`skiff rollout pause|resume|promote|abort`). They hold for the whole
 * deployment: the caller sets them and never clears them, except `paused`, which resume clears.
 */
export interface RolloutRequests {
  readonly paused: boolean;
  /** When a person last resumed: releases a `pause: {}` step that began before it. */
  readonly resumedAt?: number;
  /** Skip the remaining steps (canary), switch traffic (blue-green). */
  readonly promote: boolean;
  /** When a person last promoted: a promote after a blue-green switch stops the kept old release at once. */
  readonly promotedAt?: number;
  /** Roll back to the stable release; for blue-green after the switch this is the undo. */
  readonly abort: boolean;
}

/** The last verdict of an analysis, with the step it judged. */
export interface StepVerdict {
  readonly step: number;
  readonly verdict: AnalysisVerdict;
}

export interface RolloutInput<S extends StrategySpec = StrategySpec> {
  readonly strategy: S;
  /** Desired instance count of the service in this environment. */
  readonly desired: number;
  /** The release being replaced; undefined on a first deploy. */
  readonly stable: ReleaseInstances | undefined;
  /** The release being rolled out. */
  readonly next: ReleaseInstances;
  readonly cursor: RolloutCursor;
  readonly requests: RolloutRequests;
  readonly analysis?: StepVerdict;
  readonly now: number;
}

export type RolloutPhase = 'progressing' | 'paused' | 'analysing' | 'promoted' | 'aborted' | 'completed';

/** How a finished rollout ended: its new release in place, rolled back, replaced by a newer release, or called off. */
export type RolloutResult = 'completed' | 'aborted' | 'superseded' | 'cancelled';

export interface StartInstances {
  readonly release: string;
  readonly count: number;
}

/**
 * How the router spreads requests: `spread` over every ready instance of either release (rolling,
 * recreate), or `split` by weight per release name, summing to 100.
 */
export type TrafficPlan =
  | { readonly kind: 'spread' }
  | { readonly kind: 'split'; readonly weights: Readonly<Record<string, number>> };

/** Requests matching `match` go to `release` whatever the weights say. */
export interface MatchRoute {
  readonly match: TrafficMatch;
  readonly release: string;
}

/** An analysis the caller should run over the window that began at `since`, then report as `analysis`. */
export interface AnalysisRequest {
  readonly name: string;
  readonly step: number;
  readonly since: number;
}

export interface RolloutPlan {
  readonly start: readonly StartInstances[];
  /** Instance ids to drain (out of the routing table, then stopped); never ones already stopping. */
  readonly drain: readonly string[];
  readonly traffic: TrafficPlan;
  readonly matches: readonly MatchRoute[];
  /** Blue-green: requests matching this reach the new release before the switch. */
  readonly preview?: MatchRoute;
  readonly analysis?: AnalysisRequest;
  readonly phase: RolloutPhase;
  /** For people and events: why the rollout is in this phase. */
  readonly reason: string;
  readonly cursor: RolloutCursor;
  /** When to plan again even if nothing is observed to change (a timed pause, keepOld). */
  readonly wakeAt?: number;
}

export interface Strategy<S extends StrategySpec = StrategySpec> {
  plan(input: RolloutInput<S>): RolloutPlan;
}

export type StrategyOf<T extends StrategyType> = Extract<StrategySpec, { type: T }>;

/** The cursor a new deployment starts with. */
export function initialCursor(now: number): RolloutCursor {
  return { step: 0, stepStartedAt: now };
}

export const noRequests: RolloutRequests = { paused: false, promote: false, abort: false };
