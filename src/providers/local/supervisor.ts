/**
 * The local provider's supervisor for one environment: follows the desired state, plans each
 * service in a per-service queue (a rollout's step while a deployment runs, a parallel run's two
 * releases, otherwise the desired count), and applies the plans through its instances.
 */
import type { CountersSnapshot, Deployment } from '../../reconcile/deployment.js';
import { drainTimeoutOf } from '../../reconcile/deployment.js';
import { planService } from '../../reconcile/instance-planner.js';
import type { InstanceAction, InstancePlan } from '../../reconcile/instance-planner.js';
import { KeyedQueue } from '../../reconcile/keyed-queue.js';
import type { ParallelRun } from '../../reconcile/parallel-run.js';
import { parallelInstanceCounts } from '../../reconcile/parallel-run.js';
import type { RolloutAction } from '../../reconcile/rollout-actions.js';
import type { ReadyInstance, ServiceTraffic } from '../../reconcile/route-planner.js';
import type { DesiredEnvironment, DesiredService } from '../../spec/desired.js';
import type { DeploymentStore } from '../../store/deployment-store.js';
import { InstanceLifecycle } from './instance-lifecycle.js';
import type { InstanceLifecycleDeps } from './instance-lifecycle.js';
import { toObserved } from './instance-record.js';
import type { InstanceRecord } from './instance-record.js';
import { RolloutController } from './rollout-controller.js';
import type { RolloutIntent } from './rollout-controller.js';

export type { PreparedStart } from './instance-lifecycle.js';

/** The instances' dependencies but those the supervisor answers itself, and the rollouts'. */
export interface SupervisorDeps extends Omit<InstanceLifecycleDeps, 'desiredService' | 'drainTimeoutMs' | 'reconcile'> {
  readonly deployments: DeploymentStore<Deployment, ParallelRun>;
  /** The router's per-release counters of a service, for rollout analyses. */
  readonly measure: (service: string) => Promise<CountersSnapshot>;
  /** A rollout was aborted while the desired state still names its new release. */
  readonly onRolloutAborted: (deployment: Deployment) => void;
}

export class LocalSupervisor {
  private desired: DesiredEnvironment | null = null;
  private readonly queue: KeyedQueue;
  private readonly lifecycle: InstanceLifecycle;
  private stopping = false;
  readonly rollouts: RolloutController;

  constructor(private readonly deps: SupervisorDeps) {
    this.queue = new KeyedQueue({
      work: (service) => this.reconcileService(service),
      onError: (service, error) => deps.logger.error({ err: error, service }, 'reconcile failed; retrying'),
    });
    this.rollouts = new RolloutController({
      environment: deps.environment,
      store: deps.deployments,
      clock: deps.clock,
      logger: deps.logger,
      emit: deps.emit,
      measure: deps.measure,
      onAborted: deps.onRolloutAborted,
      wake: (service, delayMs) => (delayMs ? this.queue.enqueueAfter(service, delayMs) : this.queue.enqueue(service)),
      routesChanged: () => void this.deps.routesChanged(),
    });
    this.lifecycle = new InstanceLifecycle({
      ...deps,
      desiredService: (service) => this.desiredService(service),
      drainTimeoutMs: (service) => {
        const strategy = this.rollouts.deployment(service)?.strategy ?? this.desiredService(service)?.strategy;
        return strategy ? drainTimeoutOf(strategy) : 30_000;
      },
      reconcile: (service) => this.queue.enqueue(service),
    });
  }

  get environment(): string {
    return this.deps.environment;
  }

  /** Takes over the deployments and instances an earlier control plane left: running ones are kept, not restarted. */
  async adopt(): Promise<void> {
    this.rollouts.load();
    await this.lifecycle.adopt();
  }

  /** Follows a new desired state; `intent` says what made it (a deploy with its strategy, an apply). */
  setDesired(desired: DesiredEnvironment, intent?: RolloutIntent): void {
    this.desired = desired;
    this.rollouts.onDesired(desired, this.instances(), intent);
    const services = new Set([...desired.services.map((s) => s.name), ...this.instances().map((r) => r.service)]);
    for (const service of services) this.queue.enqueue(service);
  }

  desiredService(name: string): DesiredService | undefined {
    return this.desired?.services.find((service) => service.name === name);
  }

  desiredEnvironment(): DesiredEnvironment | null {
    return this.desired;
  }

  instances(): readonly InstanceRecord[] {
    return this.lifecycle.instances();
  }

  /** Ready instances, named by the release they count for in a rollout or a parallel run. */
  readyInstances(): readonly ReadyInstance[] {
    return this.instances()
      .filter((record) => record.state === 'ready')
      .map((record) => ({
        id: record.id,
        environment: record.environment,
        service: record.service,
        release: this.rollouts.labelOf(record, this.desiredService(record.service)),
        port: record.port,
      }));
  }

  /** Release weights, matches and mirrors of the services under a rollout or a parallel run. */
  traffic(): Map<string, ServiceTraffic> {
    return this.rollouts.traffic(this.desired);
  }

  /** Resolves when no reconcile is running (tests and shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops every instance (each with its grace period) and forgets them. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.rollouts.close();
    this.queue.close();
    await this.queue.idle();
    await this.lifecycle.stopAll();
  }

  private async reconcileService(service: string): Promise<void> {
    if (this.stopping) return;
    const desired = this.desiredService(service);
    const records = this.instances().filter((record) => record.service === service);
    const now = this.deps.clock.now();
    const step = desired?.release ? this.rollouts.plan(service, desired, records, now) : null;
    if (step) {
      await Promise.all(step.actions.map((action) => this.executeRollout(action, step.deployment)));
      this.wakeAt(service, step.wakeAt, now);
      return;
    }
    const run = desired?.release ? this.rollouts.parallelRun(service) : undefined;
    if (run && desired) {
      // The candidate's instances beside the trusted release's, each kept at its count.
      const counts = parallelInstanceCounts(desired.instances, run.spec);
      const isCandidate = (record: InstanceRecord): boolean => record.configHash === run.candidate.configHash;
      const plans: [InstancePlan, DesiredService][] = [
        [planService({ service, configHash: desired.configHash, instances: counts.trusted }, records.filter((r) => !isCandidate(r)).map(toObserved), now), desired],
        [planService({ service, configHash: run.candidate.configHash, instances: counts.candidate }, records.filter(isCandidate).map(toObserved), now), run.candidate],
      ];
      await Promise.all(plans.flatMap(([plan, release]) => plan.actions.map((action) => this.execute(action, release))));
      this.wakeAt(service, Math.min(...plans.map(([plan]) => plan.wakeAt ?? Infinity)), now);
      return;
    }
    const plan = planService(
      desired ? { service, configHash: desired.configHash, instances: desired.instances } : undefined,
      records.map(toObserved),
      now,
    );
    await Promise.all(plan.actions.map((action) => this.execute(action, desired)));
    this.wakeAt(service, plan.wakeAt, now);
  }

  private wakeAt(service: string, at: number | null, now: number): void {
    if (at !== null && Number.isFinite(at)) this.queue.enqueueAfter(service, at - now);
  }

  private async executeRollout(action: RolloutAction, deployment: Deployment): Promise<void> {
    switch (action.kind) {
      case 'start':
        await this.lifecycle.startNew(this.rollouts.releaseFor(deployment, action.group));
        return;
      case 'restart': {
        const record = this.lifecycle.get(action.instanceId);
        const group = record?.configHash === deployment.next.configHash ? 'next' : 'stable';
        if (record) await this.lifecycle.restart(record, this.rollouts.releaseFor(deployment, group));
        return;
      }
      case 'drain': {
        const record = this.lifecycle.get(action.instanceId);
        if (record) this.lifecycle.drainAndStop(record, action.reason);
        return;
      }
    }
  }

  private async execute(action: InstanceAction, desired: DesiredService | undefined): Promise<void> {
    switch (action.kind) {
      case 'start':
        if (desired) await this.lifecycle.startNew(desired);
        return;
      case 'restart': {
        const record = this.lifecycle.get(action.instanceId);
        if (record && desired) await this.lifecycle.restart(record, desired);
        return;
      }
      case 'stop': {
        const record = this.lifecycle.get(action.instanceId);
        if (record) this.lifecycle.drainAndStop(record, action.reason);
        return;
      }
    }
  }
}
