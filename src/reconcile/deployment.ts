/**
 * A deployment: the move of one service in one environment from its stable release to a new one,
 * under a strategy. Plain data, persisted as it is; the functions here are pure: when a new
 * desired release means a new deployment, the strategy's input from what is observed, and the
 * record and events after a plan.
 */
import type { AnalysisVerdict, MatchRoute, RolloutInstance, PersonAction, RolloutCursor, RolloutInput, RolloutPhase, RolloutPlan, RolloutRequests, RolloutResult, TrafficPlan } from '../rollout/index.js';
import { initialCursor, noRequests } from '../rollout/index.js';
import type { DesiredService } from '../spec/desired.js';
import type { AnalysisSpec, StrategySpec, StrategyType } from '../spec/schema.js';
import { strategySchema } from '../spec/schema.js';

/** What made the new release: the release operation, an apply, or a restore. */
export type DeploymentTrigger = 'deploy' | 'promote' | 'rollback' | 'restore' | 'apply' | 'config';
export type DeploymentResult = RolloutResult;
export type { PersonAction } from '../rollout/index.js';

/** A verdict of an analysis over the window [since, at]. */
export interface JudgedAnalysis {
  readonly step: number;
  readonly name: string;
  readonly since: number;
  readonly at: number;
  readonly verdict: AnalysisVerdict;
}

/** One release's counters, summed over the service's routes, as the router keeps them. */
export interface ReleaseCounters {
  readonly requests: number;
  /** 5xx answers and connection failures. */
  readonly errors: number;
  /** Upper bounds in ms, ascending. */
  readonly boundsMs: readonly number[];
  /** Per bucket, not cumulative; one more than `boundsMs`. */
  readonly buckets: readonly number[];
}

export interface CountersSnapshot {
  readonly at: number;
  readonly releases: Readonly<Record<string, ReleaseCounters>>;
}

/** The analysis under way: the baseline it measures from. */
export interface AnalysisWindow {
  readonly step: number;
  readonly name: string;
  readonly baseline: CountersSnapshot;
}

export interface RolloutRouting {
  readonly traffic: TrafficPlan;
  readonly matches: readonly MatchRoute[];
  readonly preview: MatchRoute | null;
}

export interface PersonRequest {
  readonly action: PersonAction;
  readonly author: string;
  readonly at: number;
}

export interface Deployment {
  readonly id: number;
  readonly environment: string;
  readonly service: string;
  readonly strategy: StrategySpec;
  /** The analyses the strategy's steps name, as the spec defined them when the deployment began. */
  readonly analyses: Readonly<Record<string, AnalysisSpec>>;
  /** The release being replaced: a snapshot, so its instances can be started again to roll back. */
  readonly stable: DesiredService;
  readonly next: DesiredService;
  readonly cursor: RolloutCursor;
  readonly requests: RolloutRequests;
  readonly actions: readonly PersonRequest[];
  /** Verdicts judged so far (the last inconclusive one of a step is replaced by the next). */
  readonly verdicts: readonly JudgedAnalysis[];
  readonly window: AnalysisWindow | null;
  readonly phase: RolloutPhase;
  readonly reason: string;
  readonly routing: RolloutRouting;
  readonly trigger: DeploymentTrigger;
  readonly author: string;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
  readonly result: DeploymentResult | null;
}

export interface RolloutEvent {
  readonly type: string;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly actor?: string;
}

/**
 * The strategy of a deployment: the service's, or a type named by a person (with the service's
 * settings when it is the same type, the defaults otherwise). Rollbacks and restores go back to a
 * release that already ran, so they default to rolling rather than a canary's steps or a preview.
 */
export function strategyFor(service: StrategySpec, trigger: DeploymentTrigger, override?: StrategyType): StrategySpec {
  const type = override ?? ((trigger === 'rollback' || trigger === 'restore') && (service.type === 'canary' || service.type === 'blue-green') ? 'rolling' : service.type);
  if (type === service.type) return service;
  return strategySchema.parse({ type });
}

/** How long a drained instance may finish its requests. */
export function drainTimeoutOf(strategy: StrategySpec): number {
  return strategy.type === 'rolling' ? strategy.drainTimeout : 30_000;
}

export interface NewDeployment {
  readonly environment: string;
  readonly service: string;
  readonly stable: DesiredService;
  readonly next: DesiredService;
  readonly strategy: StrategySpec;
  readonly analyses: Readonly<Record<string, AnalysisSpec>>;
  readonly trigger: DeploymentTrigger;
  readonly author: string;
  readonly now: number;
}

export function newDeployment(options: NewDeployment): Omit<Deployment, 'id'> {
  const { strategy } = options;
  const named = strategy.type === 'canary' ? strategy.steps.flatMap((step) => (step.kind === 'analysis' ? [step.name] : [])) : [];
  const analyses: Record<string, AnalysisSpec> = {};
  for (const name of named) {
    const spec = options.analyses[name];
    if (spec) analyses[name] = spec;
  }
  return {
    environment: options.environment,
    service: options.service,
    strategy,
    analyses,
    stable: options.stable,
    next: options.next,
    cursor: initialCursor(options.now),
    requests: noRequests,
    actions: [],
    verdicts: [],
    window: null,
    phase: 'progressing',
    reason: `starting ${options.next.release} beside ${options.stable.release}`,
    routing: { traffic: { kind: 'spread' }, matches: [], preview: null },
    trigger: options.trigger,
    author: options.author,
    startedAt: options.now,
    updatedAt: options.now,
    finishedAt: null,
    result: null,
  };
}

/** What a new desired state means for a service's deployment. */
export type DesiredChange =
  | { readonly kind: 'none' }
  /** Same release content as the deployment's new release: keep going with the fresher snapshot. */
  | { readonly kind: 'refresh' }
  /** Back to the stable release's content: roll back. */
  | { readonly kind: 'abort' }
  /** Nothing is deployed any more: the deployment ends, the instances go. */
  | { readonly kind: 'cancel' }
  | { readonly kind: 'start'; readonly stable: DesiredService };

export interface DesiredChangeInput {
  readonly active: Deployment | null;
  /** The release last known to run in full (the end of the last deployment, or the last desired). */
  readonly settled: DesiredService | null;
  readonly desired: DesiredService;
  /** Live (not stopping) instances per config hash. */
  readonly liveByHash: ReadonlyMap<string, number>;
  /** Ready instances per config hash. */
  readonly readyByHash: ReadonlyMap<string, number>;
}

export function desiredChange(input: DesiredChangeInput): DesiredChange {
  const { active, settled, desired, liveByHash, readyByHash } = input;
  if (desired.release === null) return active ? { kind: 'cancel' } : { kind: 'none' };
  if (active) {
    if (desired.configHash === active.next.configHash) return { kind: 'refresh' };
    if (desired.configHash === active.stable.configHash) return { kind: 'abort' };
    // A newer release during a rollout: it replaces whichever of the two carries the load (all of
    // it once switched, as blue-green keeping its old release; else the one with more ready instances).
    const nextReady = readyByHash.get(active.next.configHash) ?? 0;
    const stableReady = readyByHash.get(active.stable.configHash) ?? 0;
    const onNext = !active.cursor.aborted && (active.phase === 'promoted' || nextReady > stableReady);
    return { kind: 'start', stable: onNext ? active.next : active.stable };
  }
  // Nothing of the settled release runs (a first deploy, a service scaled to 0): just start the new one.
  if (!settled || settled.configHash === desired.configHash || (liveByHash.get(settled.configHash) ?? 0) === 0) return { kind: 'none' };
  return { kind: 'start', stable: settled };
}

/** Instances of a service by the release they run in a deployment. */
export interface DeploymentGroups {
  readonly stable: readonly RolloutInstance[];
  readonly next: readonly RolloutInstance[];
}

export function rolloutInputOf(deployment: Deployment, groups: DeploymentGroups, desired: number, now: number): RolloutInput {
  const last = deployment.verdicts.at(-1);
  return {
    strategy: deployment.strategy,
    desired,
    stable: { release: labelOf(deployment.stable), instances: groups.stable },
    next: { release: labelOf(deployment.next), instances: groups.next },
    cursor: deployment.cursor,
    requests: deployment.requests,
    ...(last ? { analysis: { step: last.step, verdict: last.verdict } } : {}),
    now,
  };
}

/** The name a release goes by in traffic plans, the routing table and the router's metrics. */
export function labelOf(service: DesiredService): string {
  return service.release ?? 'none';
}

/** An aborted deployment is over once the stable release carries the load and nothing of the new one is left. */
export function rolledBack(groups: DeploymentGroups, desired: number): boolean {
  return groups.next.length === 0 && groups.stable.filter((instance) => instance.state === 'ready').length >= desired;
}

export function routingOf(plan: RolloutPlan): RolloutRouting {
  return { traffic: plan.traffic, matches: plan.matches, preview: plan.preview ?? null };
}

/**
 * The record after a plan, and the events it is worth: a new step or new weights, a pause the
 * strategy makes, the switch of all traffic, an abort, the end.
 */
export function afterPlan(
  deployment: Deployment,
  plan: RolloutPlan,
  finished: boolean,
  now: number,
): { readonly deployment: Deployment; readonly events: readonly RolloutEvent[] } {
  const routing = routingOf(plan);
  const aborted = plan.phase === 'aborted';
  const result: DeploymentResult | null = !finished ? null : aborted ? 'aborted' : 'completed';
  const updated: Deployment = {
    ...deployment,
    cursor: plan.cursor,
    phase: plan.phase,
    reason: finished && aborted ? `rolled back to ${labelOf(deployment.stable)}: ${plan.cursor.aborted?.reason ?? 'aborted'}` : plan.reason,
    routing,
    // An analysis window belongs to its step: a new step (or an abort) starts afresh.
    window: deployment.window && (deployment.window.step !== plan.cursor.step || aborted) ? null : deployment.window,
    updatedAt: now,
    finishedAt: finished ? now : null,
    result,
  };
  const events: RolloutEvent[] = [];
  const what = `${deployment.service} ${labelOf(deployment.next)} in ${deployment.environment}`;
  const weights = weightsOf(routing.traffic);
  const data = { deployment: deployment.id, step: plan.cursor.step, phase: plan.phase, reason: plan.reason, weights };
  const by = lastActor(deployment, aborted ? ['abort', 'undo'] : ['promote']);
  if (aborted && deployment.phase !== 'aborted') {
    const reason = plan.cursor.aborted?.reason ?? plan.reason;
    events.push({ type: 'rollout.aborted', message: `rollout of ${what} aborted: ${reason}; going back to ${labelOf(deployment.stable)}`, data: { ...data, cause: reason }, ...(by ? { actor: by } : {}) });
  }
  // Rolling and recreate have no steps of their own: each replaced instance is one.
  const replacing = (deployment.strategy.type === 'rolling' || deployment.strategy.type === 'recreate') && plan.reason !== deployment.reason;
  const moved = plan.cursor.step !== deployment.cursor.step || !sameWeights(weights, weightsOf(deployment.routing.traffic)) || replacing;
  if (!aborted && !finished && moved) {
    events.push({ type: 'rollout.step', message: `rollout of ${what}: ${plan.reason}${weights ? ` (${weightsText(weights)})` : ''}`, data });
  }
  if (plan.phase === 'paused' && deployment.phase !== 'paused' && !plan.cursor.aborted && !deployment.requests.paused) {
    events.push({ type: 'rollout.paused', message: `rollout of ${what} paused: ${plan.reason}`, data });
  }
  if (plan.phase === 'promoted' && deployment.phase !== 'promoted') {
    events.push({ type: 'rollout.promoted', message: `rollout of ${what}: ${plan.reason}`, data, ...(by && deployment.requests.promote ? { actor: by } : {}) });
  }
  if (finished) {
    const message = aborted
      ? `rollout of ${what} rolled back: ${labelOf(deployment.stable)} runs all instances again`
      : `rollout of ${what} completed: ${plan.reason}`;
    events.push({ type: 'rollout.completed', message, data: { ...data, result } });
  }
  return { deployment: updated, events };
}

function lastActor(deployment: Deployment, actions: readonly PersonAction[]): string | undefined {
  return [...deployment.actions].reverse().find((request) => actions.includes(request.action))?.author;
}

export function weightsOf(traffic: TrafficPlan): Readonly<Record<string, number>> | null {
  return traffic.kind === 'split' ? traffic.weights : null;
}

function sameWeights(a: Readonly<Record<string, number>> | null, b: Readonly<Record<string, number>> | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function weightsText(weights: Readonly<Record<string, number>>): string {
  return Object.entries(weights)
    .map(([release, weight]) => `${weight}% ${release}`)
    .join(', ');
}

/** Applies a person's request to the record; what it does is left to the strategy's next plan. */
export function withRequest(deployment: Deployment, action: PersonAction, author: string, now: number): Deployment {
  const requests = deployment.requests;
  const next: RolloutRequests =
    action === 'pause'
      ? { ...requests, paused: true }
      : action === 'resume'
        ? { ...requests, paused: false, resumedAt: now }
        : action === 'promote'
          ? { ...requests, promote: true, paused: false, promotedAt: now }
          : { ...requests, abort: true, paused: false };
  return { ...deployment, requests: next, actions: [...deployment.actions, { action, author, at: now }], updatedAt: now };
}

/** Records a verdict; an inconclusive one of the same step replaces the one before it. */
export function withVerdict(deployment: Deployment, judged: JudgedAnalysis): Deployment {
  const last = deployment.verdicts.at(-1);
  const replaceLast = last !== undefined && last.step === judged.step && last.verdict.outcome === 'inconclusive';
  const verdicts = [...(replaceLast ? deployment.verdicts.slice(0, -1) : deployment.verdicts), judged];
  return { ...deployment, verdicts, updatedAt: judged.at };
}
