/**
 * The deployment controller of one environment: starts a deployment when a service's release
 * changes, asks the strategy for the next step while it runs, keeps it in the store (so a
 * restarted control plane resumes it), runs its analyses, takes people's requests, and keeps the
 * parallel runs. The supervisor applies the instance actions it returns.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { SkiffError } from '../core/errors.js';
import { groupBy } from '../core/group-by.js';
import type { ReleaseMatch } from '../core/route-table.js';
import type { ObservedInstance } from '../core/instance.js';
import type { RolloutInstance } from '../rollout/index.js';
import { planRollout } from '../rollout/index.js';
import type { Deployment, DeploymentResult, DeploymentTrigger, JudgedAnalysis, PersonAction } from './deployment.js';
import { afterPlan, desiredChange, labelOf, newDeployment, rolledBack, rolloutInputOf, strategyFor, withRequest, withVerdict } from './deployment.js';
import type { CountersSnapshot, DeploymentGroups, RolloutEvent } from './deployment.js';
import type { ParallelRun } from './parallel-run.js';
import type { RolloutInstanceAction, GroupedInstance, RolloutGroup } from './rollout-actions.js';
import { planRolloutActions } from './rollout-actions.js';
import type { ServiceTraffic } from './route-planner.js';
import { trafficKey } from './route-planner.js';
import type { DesiredEnvironment, DesiredService } from '../spec/desired.js';
import type { StrategyType } from '../spec/schema.js';
import type { DeploymentStore } from '../store/deployment-store.js';
import type { NewEvent } from '../store/state-store.js';
import { AnalysisRunner } from './analysis-runner.js';
import { ParallelRunController } from './parallel-run-controller.js';

/** What made a desired state change, passed along with it. */
export interface RolloutIntent {
  /** The service the change is about; the others' changes count as an apply. Absent: every service. */
  readonly service?: string;
  readonly trigger: DeploymentTrigger;
  /** `skiff deploy --strategy TYPE`. */
  readonly strategy?: StrategyType;
  readonly author: string;
}

export interface RolloutControllerDeps {
  readonly environment: string;
  readonly store: DeploymentStore<Deployment, ParallelRun>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly emit: (event: NewEvent) => void;
  readonly measure: (service: string) => Promise<CountersSnapshot>;
  /** The deployment was aborted while the desired state still names its new release. */
  readonly onAborted: (deployment: Deployment) => void;
  /** Reconcile the service again, now or after a delay. */
  readonly wake: (service: string, delayMs?: number) => void;
  readonly routesChanged: () => void;
}

/** One reconcile of a service under a deployment: what to do, and the releases to start from. */
export interface RolloutStep {
  readonly actions: readonly RolloutInstanceAction[];
  readonly wakeAt: number | null;
  readonly deployment: Deployment;
}

export class RolloutController {
  private readonly active = new Map<string, Deployment>();
  private readonly settled = new Map<string, DesiredService | null>();
  /** The last finished deployment per service, read from the store once (status asks for it often). */
  private readonly finished = new Map<string, Deployment | null>();
  private changes = 0;
  private readonly runs: ParallelRunController;
  private readonly analyses: AnalysisRunner;

  constructor(private readonly deps: RolloutControllerDeps) {
    this.runs = new ParallelRunController(deps);
    this.analyses = new AnalysisRunner({
      clock: deps.clock,
      logger: deps.logger,
      measure: deps.measure,
      current: (service) => this.active.get(service),
      onBaseline: (service, id, window) => this.update(service, id, (deployment) => ({ ...deployment, window })),
      onVerdict: (service, id, judged, windowMs) => this.recordVerdict(service, id, judged, windowMs),
    });
  }

  /** Picks up the deployments and parallel runs under way when the control plane stopped. */
  load(): void {
    for (const deployment of this.deps.store.active(this.deps.environment)) this.active.set(deployment.service, deployment);
    this.runs.load();
  }

  close(): void {
    this.analyses.close();
  }

  deployment(service: string): Deployment | undefined {
    return this.active.get(service);
  }

  /** The deployment under way, else the last one. */
  latest(service: string): Deployment | null {
    const active = this.active.get(service);
    if (active) return active;
    if (!this.finished.has(service)) this.finished.set(service, this.deps.store.latest(this.deps.environment, service));
    return this.finished.get(service) ?? null;
  }

  parallelRun(service: string): ParallelRun | undefined {
    return this.runs.get(service);
  }

  /** Starts, refreshes, aborts or ends deployments for the services whose release changed. */
  onDesired(environment: DesiredEnvironment, records: readonly ObservedInstance[], intent?: RolloutIntent): void {
    const now = this.deps.clock.now();
    const byService = groupBy(records, (record) => record.service);
    for (const desired of environment.services) {
      const service = desired.name;
      const active = this.active.get(service) ?? null;
      const mine = byService.get(service) ?? [];
      const change = desiredChange({
        active,
        settled: this.settledOf(service),
        desired,
        liveByHash: countByHash(mine.filter((record) => record.state !== 'stopping')),
        readyByHash: countByHash(mine.filter((record) => record.state === 'ready')),
      });
      const own = intent && (intent.service === undefined || intent.service === service) ? intent : undefined;
      switch (change.kind) {
        case 'none':
          this.settled.set(service, desired.release === null ? null : desired);
          break;
        case 'refresh':
          if (active) this.put({ ...active, next: desired, updatedAt: now });
          break;
        case 'abort':
          // Unless it is already going back (a failed analysis, a person's abort, whose revert this is).
          if (active && !active.requests.abort && !active.cursor.aborted) this.put(withRequest(active, 'abort', own?.author ?? 'skiff', now));
          break;
        case 'cancel':
          if (active) this.finish(active, 'cancelled', now);
          this.settled.set(service, null);
          break;
        case 'start':
          this.start(desired, change.stable, active, environment, own, now);
          break;
      }
    }
    for (const [service, active] of this.active) {
      if (!environment.services.some((desired) => desired.name === service)) this.finish(active, 'cancelled', now);
    }
  }

  private start(
    desired: DesiredService,
    stable: DesiredService,
    active: Deployment | null,
    environment: DesiredEnvironment,
    intent: RolloutIntent | undefined,
    now: number,
  ): void {
    const service = desired.name;
    if (active) this.finish(active, 'superseded', now);
    if (this.runs.get(service)) this.runs.stop(service, 'skiff', `a new release ${labelOf(desired)} is rolling out`);
    const trigger = intent?.trigger ?? 'apply';
    const strategy = strategyFor(desired.strategy, trigger, intent?.strategy);
    const deployment = this.deps.store.create(
      newDeployment({
        environment: this.deps.environment,
        service,
        stable,
        next: desired,
        strategy,
        analyses: environment.analyses ?? {},
        trigger,
        author: intent?.author ?? 'skiff',
        now,
      }),
    );
    this.active.set(service, deployment);
    const over = active ? ` (superseding the rollout of ${labelOf(active.next)})` : '';
    this.event(deployment, {
      type: 'rollout.started',
      message: `rolling out ${service} ${labelOf(desired)} over ${labelOf(stable)} in ${this.deps.environment} with ${strategy.type}${over}`,
      data: { deployment: deployment.id, strategy: strategy.type, stable: labelOf(stable), next: labelOf(desired), trigger },
      actor: deployment.author,
    });
  }

  /** Plans one step of the service's deployment, or null when none is under way. */
  plan(service: string, desired: DesiredService, records: readonly ObservedInstance[], now: number): RolloutStep | null {
    const deployment = this.active.get(service);
    if (!deployment) return null;
    const instances = records.map((record): GroupedInstance => ({ ...record, group: groupOf(deployment, record) }));
    const groups: DeploymentGroups = {
      stable: rolloutInstances(instances, 'stable', labelOf(deployment.stable)),
      next: rolloutInstances(instances, 'next', labelOf(deployment.next)),
    };
    const plan = planRollout(rolloutInputOf(deployment, groups, desired.instances, now));
    const finished = plan.phase === 'completed' || (plan.phase === 'aborted' && rolledBack(groups, desired.instances));
    const { deployment: updated, events } = afterPlan(deployment, plan, finished, now);
    if (changed(deployment, updated)) this.put(updated);
    for (const event of events) this.event(updated, event);
    // Record, then notify: the follow-up (a revision back to stable) runs after this step, never inside it.
    if (updated.phase === 'aborted' && desired.configHash === deployment.next.configHash) queueMicrotask(() => this.deps.onAborted(updated));
    if (JSON.stringify(updated.routing) !== JSON.stringify(deployment.routing)) this.deps.routesChanged();
    if (finished) {
      this.active.delete(service);
      this.analyses.cancel(service);
      this.settled.set(service, updated.result === 'aborted' ? updated.stable : updated.next);
    } else if (plan.analysis) {
      this.analyses.ensure(service, updated, plan.analysis);
    }
    const actions = planRolloutActions({
      plan,
      instances,
      labels: { stable: labelOf(deployment.stable), next: labelOf(deployment.next) },
      desired: desired.instances,
      now,
    });
    return { ...actions, deployment: updated };
  }

  /** The deployment waits for its new release's release command: only its reason changes. */
  hold(service: string, reason: string): void {
    const deployment = this.active.get(service);
    if (!deployment || deployment.reason === reason) return;
    this.put({ ...deployment, reason, updatedAt: this.deps.clock.now() });
  }

  /**
   * The new release's release command failed: the deployment stops and goes back to its stable
   * release (the strategy's roll back, which has nothing of the new release to stop).
   */
  failRelease(service: string, reason: string): void {
    const deployment = this.active.get(service);
    if (!deployment || deployment.cursor.aborted) return;
    const now = this.deps.clock.now();
    this.put({ ...deployment, cursor: { ...deployment.cursor, aborted: { reason, at: now } }, updatedAt: now });
  }

  /** The snapshot an instance of the deployment starts (or restarts) from. */
  releaseFor(deployment: Deployment, group: 'stable' | 'next'): DesiredService {
    return group === 'next' ? deployment.next : deployment.stable;
  }

  groupOf(record: ObservedInstance): RolloutGroup | undefined {
    const deployment = this.active.get(record.service);
    return deployment ? groupOf(deployment, record) : undefined;
  }

  /** The release name an instance goes by in the routing table and the router's metrics. */
  labelOf(record: ObservedInstance, desired: DesiredService | undefined): string {
    const deployment = this.active.get(record.service);
    if (deployment) {
      if (record.configHash === deployment.next.configHash) return labelOf(deployment.next);
      if (record.configHash === deployment.stable.configHash) return labelOf(deployment.stable);
      return record.release;
    }
    return this.runs.labelOf(record, desired) ?? record.release;
  }

  /** Weights, matches and mirrors for the routing table, per service. */
  traffic(environment: DesiredEnvironment | null): Map<string, ServiceTraffic> {
    const traffic = new Map<string, ServiceTraffic>();
    for (const [service, deployment] of this.active) {
      const { routing } = deployment;
      const matches = [...routing.matches, ...(routing.preview ? [routing.preview] : [])].map(
        (route): ReleaseMatch => ({ match: { ...route.match, name: route.match.kind === 'header' ? route.match.name.toLowerCase() : route.match.name }, release: route.release }),
      );
      traffic.set(trafficKey(this.deps.environment, service), {
        ...(routing.traffic.kind === 'split' ? { weights: routing.traffic.weights } : {}),
        ...(matches.length > 0 ? { releaseMatches: matches } : {}),
      });
    }
    for (const [key, split] of this.runs.traffic(environment)) {
      if (!traffic.has(key)) traffic.set(key, split);
    }
    return traffic;
  }

  /** A person's request: `promote`, `pause`, `resume`, `abort` or `undo`. Throws when it cannot apply. */
  request(service: string, action: PersonAction, author: string): Deployment {
    const deployment = this.active.get(service);
    if (!deployment) {
      const last = this.deps.store.latest(this.deps.environment, service);
      if (!last) {
        throw new SkiffError('SKIFF_NO_ROLLOUT', `${service} has had no rollout in ${this.deps.environment}`, {
          hint: `a rollout starts with a new release: skiff deploy ${service} VERSION ${this.deps.environment}`,
        });
      }
      throw new SkiffError('SKIFF_ROLLOUT_FINISHED', `the rollout of ${service} ${labelOf(last.next)} in ${this.deps.environment} is over (${last.result ?? 'finished'})`, {
        hint: action === 'undo' || action === 'abort' ? `go back with a new release: skiff rollback ${service} ${this.deps.environment}` : undefined,
      });
    }
    refuse(deployment, action);
    const now = this.deps.clock.now();
    const updated = withRequest(deployment, action, author, now);
    this.put(updated);
    const what = `${service} ${labelOf(deployment.next)} in ${this.deps.environment}`;
    const data = { deployment: deployment.id, step: deployment.cursor.step, action };
    if (action === 'pause') this.event(updated, { type: 'rollout.paused', message: `rollout of ${what} paused by ${author}`, data, actor: author });
    if (action === 'resume') this.event(updated, { type: 'rollout.resumed', message: `rollout of ${what} resumed by ${author}`, data, actor: author });
    if (action === 'undo') {
      this.event(updated, { type: 'rollout.undone', message: `rollout of ${what} undone by ${author}: going back to ${labelOf(deployment.stable)}`, data, actor: author });
    }
    this.deps.wake(service);
    return updated;
  }

  /** Starts a parallel run of the service; refused while a rollout of it is under way. */
  startParallel(run: ParallelRun): void {
    const active = this.active.get(run.service);
    if (active) {
      throw new SkiffError('SKIFF_ROLLOUT_ACTIVE', `${run.service} ${labelOf(active.next)} is rolling out in ${this.deps.environment}; a parallel run waits for it`, {
        hint: `see it: skiff rollout status ${run.service} ${this.deps.environment}`,
      });
    }
    this.runs.start(run);
  }

  stopParallel(service: string, author: string, why = 'stopped'): ParallelRun | undefined {
    return this.runs.stop(service, author, why);
  }

  private recordVerdict(service: string, id: number, judged: JudgedAnalysis, windowMs: number): void {
    const before = this.active.get(service);
    if (!before || before.id !== id) return;
    const last = before.verdicts.at(-1);
    const repeated = last?.step === judged.step && last.verdict.outcome === 'inconclusive' && judged.verdict.outcome === 'inconclusive';
    const updated = this.update(service, id, (deployment) => withVerdict(deployment, judged));
    if (!updated) return;
    if (!repeated) {
      const { verdict } = judged;
      this.event(updated, {
        type: 'rollout.analysis',
        message: `analysis "${judged.name}" of ${service} ${labelOf(updated.next)} in ${this.deps.environment}: ${verdict.outcome}, ${verdict.reason}`,
        data: {
          deployment: id,
          step: judged.step,
          analysis: judged.name,
          outcome: verdict.outcome,
          reason: verdict.reason,
          windowMs,
          minRequests: verdict.minRequests,
          canary: verdict.counts.canary,
          stable: verdict.counts.stable,
          checks: verdict.checks,
        },
      });
    }
    this.deps.wake(service);
  }

  private update(service: string, id: number, change: (deployment: Deployment) => Deployment): Deployment | undefined {
    const deployment = this.active.get(service);
    if (!deployment || deployment.id !== id) return undefined;
    const updated = change(deployment);
    this.put(updated);
    return updated;
  }

  private finish(deployment: Deployment, result: DeploymentResult, now: number): void {
    this.put({ ...deployment, finishedAt: now, updatedAt: now, result, reason: `${result}: ${deployment.reason}` });
    this.active.delete(deployment.service);
    this.analyses.cancel(deployment.service);
    this.deps.routesChanged();
  }

  /** Grows with every change of a deployment: readers cache their views by it. */
  get version(): number {
    return this.changes;
  }

  private put(deployment: Deployment): void {
    this.changes += 1;
    if (deployment.finishedAt === null) this.active.set(deployment.service, deployment);
    else this.finished.set(deployment.service, deployment);
    this.deps.store.save(deployment);
  }

  private settledOf(service: string): DesiredService | null {
    if (this.settled.has(service)) return this.settled.get(service) ?? null;
    const last = this.deps.store.latest(this.deps.environment, service);
    const settled = !last || last.finishedAt === null ? null : last.result === 'aborted' ? last.stable : last.result === 'completed' ? last.next : null;
    this.settled.set(service, settled);
    return settled;
  }

  private event(deployment: Deployment, event: RolloutEvent): void {
    this.deps.emit({
      type: event.type,
      environment: this.deps.environment,
      service: deployment.service,
      message: event.message,
      data: event.data,
      ...(event.actor ? { actor: event.actor } : {}),
    });
  }
}

function groupOf(deployment: Deployment, record: ObservedInstance): RolloutGroup {
  if (record.configHash === deployment.next.configHash) return 'next';
  if (record.configHash === deployment.stable.configHash) return 'stable';
  return 'other';
}

function rolloutInstances(instances: readonly GroupedInstance[], group: 'stable' | 'next', release: string): RolloutInstance[] {
  return instances
    .filter((instance) => instance.group === group)
    .map((instance) => ({ id: instance.id, release, state: instance.state, reason: instance.reason ?? null, restarts: instance.restarts ?? 0 }));
}

function countByHash(records: readonly ObservedInstance[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) counts.set(record.configHash, (counts.get(record.configHash) ?? 0) + 1);
  return counts;
}

/** A record worth saving: more than its update time changed. */
function changed(before: Deployment, after: Deployment): boolean {
  const key = (deployment: Deployment): string =>
    JSON.stringify([deployment.cursor, deployment.phase, deployment.reason, deployment.routing, deployment.window, deployment.finishedAt]);
  return key(before) !== key(after);
}

function refuse(deployment: Deployment, action: PersonAction): void {
  const type = deployment.strategy.type;
  const aborted = deployment.phase === 'aborted' || deployment.requests.abort;
  const fail = (message: string, hint?: string): never => {
    throw new SkiffError('SKIFF_ROLLOUT_ACTION_INVALID', message, hint ? { hint } : {});
  };
  if (aborted && action !== 'resume') fail(`the rollout of ${deployment.service} ${labelOf(deployment.next)} is already going back to ${labelOf(deployment.stable)}`);
  if (action === 'promote' && (type === 'rolling' || type === 'recreate')) {
    fail(`a ${type} rollout has no steps to skip: it completes as new instances become ready`, 'pause, resume or abort it instead');
  }
}
