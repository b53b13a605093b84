/**
 * The controller of one environment, above its provider: follows the desired state, plans each
 * service in a per-service queue (a rollout's step while a deployment runs, a parallel run's two
 * releases, otherwise the desired count) over the provider's observed instances, has the provider
 * apply the plans, and keeps the data plane's routing table in step with the ready instances. The
 * autoscaler sets the count of autoscaled services (the desired state seen from here carries it).
 * Every decision is made here, once, whatever the provider.
 */
import type { Logger } from 'pino';
import type { AutoscaleStatus } from '../core/autoscale-status.js';
import type { Clock } from '../core/clock.js';
import type { ObservedInstance } from '../core/instance.js';
import type { RouteTable, RouteTls } from '../core/route-table.js';
import type { DesiredEnvironment, DesiredService } from '../spec/desired.js';
import type { CommandRunStore } from '../store/command-run-store.js';
import type { DeploymentStore } from '../store/deployment-store.js';
import type { NewEvent } from '../store/state-store.js';
import { AutoscaleController } from './autoscale-controller.js';
import type { CommandRun } from './command-run.js';
import { CommandRuns } from './command-runs.js';
import type { Deployment } from './deployment.js';
import { drainTimeoutOf } from './deployment.js';
import { planService } from './instance-planner.js';
import type { InstanceAction, InstancePlan } from './instance-planner.js';
import { KeyedQueue } from './keyed-queue.js';
import type { ParallelRun } from './parallel-run.js';
import { parallelInstanceCounts } from './parallel-run.js';
import type { Provider, ProviderFactory, ShutdownOptions } from './provider.js';
import type { RolloutInstanceAction } from './rollout-actions.js';
import { RolloutController } from './rollout-controller.js';
import type { RolloutIntent } from './rollout-controller.js';
import { ReleaseGate } from './release-gate.js';
import type { GateState } from './release-gate.js';
import { RoutePublisher } from './route-publisher.js';
import { planRouteTable } from './route-planner.js';
import type { ReadyInstance, ServiceTraffic } from './route-planner.js';

export interface EnvironmentControllerDeps {
  readonly environment: string;
  readonly routerPort: number;
  readonly createProvider: ProviderFactory;
  readonly deployments: DeploymentStore<Deployment, ParallelRun>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly emit: (event: NewEvent) => void;
  /** A rollout was aborted while the desired state still names its new release (called after the controller recorded it). */
  readonly rolloutAborted: (deployment: Deployment) => void;
  /**
   * Where command runs (`skiff run`, release commands, jobs) are recorded. Without it the
   * environment runs no commands, and a release with a release command never gets instances.
   */
  readonly commandRuns?: CommandRunStore<CommandRun>;
  /** The routing table's TLS section (certificates, ACME challenges), made above the reconcilers. */
  readonly tls?: () => RouteTls | undefined;
}

/** How often the data plane's table version is compared with the last one published. */
const resyncIntervalMs = 5000;
const defaultDrainTimeoutMs = 30_000;

export class EnvironmentController {
  /** As the spec resolves it; `desiredEnvironment()` gives it with the autoscaled counts. */
  private desired: DesiredEnvironment | null = null;
  private scaledView: { readonly key: string; readonly environment: DesiredEnvironment } | null = null;
  private readonly queue: KeyedQueue;
  private readonly publisher: RoutePublisher;
  private resync: NodeJS.Timeout | null = null;
  private stopping = false;
  private desiredChanges = 0;
  readonly provider: Provider;
  readonly rollouts: RolloutController;
  readonly autoscaler: AutoscaleController;
  /** Null without a store for them (see `commandRuns`). */
  readonly runs: CommandRuns | null;
  private readonly releaseGate: ReleaseGate | null;

  constructor(private readonly deps: EnvironmentControllerDeps) {
    const { environment, logger, emit } = deps;
    this.queue = new KeyedQueue({
      work: (service) => this.reconcileService(service),
      onError: (service, error) => logger.error({ err: error, service }, 'reconcile failed; retrying'),
    });
    this.publisher = new RoutePublisher({
      build: (version) => this.routeTable(version),
      send: (table) => this.provider.publishRoutes(table),
      currentVersion: () => this.provider.routeTableVersion(),
      logger,
    });
    this.provider = deps.createProvider({
      environment,
      routerPort: deps.routerPort,
      hooks: {
        emit,
        instanceChanged: (service) => this.queue.enqueue(service),
        routesChanged: () => this.publish(),
        drainTimeoutMs: (service) => {
          const strategy = this.rollouts.deployment(service)?.strategy ?? this.desiredService(service)?.strategy;
          return strategy ? drainTimeoutOf(strategy) : defaultDrainTimeoutMs;
        },
        dataPlaneRestarted: (reason) => {
          emit({ type: 'router.restarted', environment, message: `${reason}; started it again` });
          void this.publish();
        },
      },
    });
    this.rollouts = new RolloutController({
      environment,
      store: deps.deployments,
      clock: deps.clock,
      logger,
      emit,
      measure: (service) => this.provider.counters(service),
      onAborted: deps.rolloutAborted,
      wake: (service, delayMs) => (delayMs ? this.queue.enqueueAfter(service, delayMs) : this.queue.enqueue(service)),
      routesChanged: () => void this.publish(),
    });
    this.autoscaler = new AutoscaleController({
      environment,
      clock: deps.clock,
      logger,
      emit,
      services: () => this.desired?.services ?? [],
      instances: (service) => this.provider.observed(service),
      load: () => this.provider.load(),
      wakeRequests: (signal) => this.provider.wakeRequests(signal),
      cpuSeconds: async (id) => (this.provider.capabilities.usage ? ((await this.provider.usage(id))?.cpuSeconds ?? null) : null),
      rolloutUnderWay: (service) => this.rollouts.deployment(service) !== undefined,
      scaled: (service) => this.queue.enqueue(service),
    });
    this.runs = deps.commandRuns
      ? new CommandRuns({
          environment,
          provider: this.provider,
          store: deps.commandRuns,
          clock: deps.clock,
          logger,
          emit,
          stopGraceMs: (service) => this.desiredService(service)?.stopGraceMs ?? 5000,
        })
      : null;
    this.releaseGate = this.runs
      ? new ReleaseGate({
          runs: this.runs,
          wake: (service) => this.queue.enqueue(service),
          author: (service) => this.rollouts.deployment(service)?.author ?? 'skiff',
        })
      : null;
  }

  get environment(): string {
    return this.deps.environment;
  }

  get routerUrl(): string {
    return this.provider.routerUrl;
  }

  /**
   * Starts or adopts the data plane and the instances an earlier control plane left (running
   * ones are kept, not restarted), resumes the deployments under way, and publishes the table.
   */
  async start(desired: DesiredEnvironment): Promise<void> {
    this.rollouts.load();
    const started = await this.provider.start(desired);
    this.deps.emit({ type: `router.${started.dataPlane}`, environment: this.environment, message: started.detail });
    if (started.dataPlane === 'adopted') this.autoscaler.resumeRunning();
    // Before the first plan: a release command still running must be found running, not started again.
    await this.runs?.adopt();
    this.setDesired(desired);
    await this.publish();
    // A data plane restarted by hand starts from its saved table, which may be older: it catches
    // up here. Only a stale one gets the table again.
    this.resync = setInterval(() => void this.resyncIfStale(), resyncIntervalMs);
    this.resync.unref();
    this.autoscaler.start();
  }

  /** Follows a new desired state; `intent` says what made it (a deploy with its strategy, an apply). */
  setDesired(desired: DesiredEnvironment, intent?: RolloutIntent): void {
    this.desired = desired;
    this.desiredChanges += 1;
    const scaled = this.desiredEnvironment() as DesiredEnvironment;
    this.provider.follow(scaled);
    const instances = this.instances();
    // A deployment starts with the count the autoscaler reached.
    this.rollouts.onDesired(scaled, instances, intent);
    const services = new Set([...desired.services.map((s) => s.name), ...instances.map((i) => i.service)]);
    for (const service of services) this.queue.enqueue(service);
    void this.publish();
  }

  /** Changes whenever the desired state, the instances or the deployments change. */
  stateVersion(): string {
    return `${this.desiredChanges}.${this.provider.observedVersion()}.${this.rollouts.version}.${this.autoscaler.version}`;
  }

  /** The desired state with the autoscaled services at the autoscaler's count. */
  desiredEnvironment(): DesiredEnvironment | null {
    const desired = this.desired;
    if (!desired) return null;
    const key = `${this.desiredChanges}.${this.autoscaler.version}`;
    if (this.scaledView?.key !== key) {
      const services = desired.services.map((service) => {
        const instances = this.autoscaler.count(service);
        return instances === service.instances ? service : { ...service, instances };
      });
      this.scaledView = { key, environment: { ...desired, services } };
    }
    return this.scaledView.environment;
  }

  desiredService(name: string): DesiredService | undefined {
    return this.desiredEnvironment()?.services.find((service) => service.name === name);
  }

  /** The service's autoscaling as status shows it; null when it has a fixed count. */
  autoscaleStatus(name: string): AutoscaleStatus | null {
    const service = this.desired?.services.find((candidate) => candidate.name === name);
    return service ? this.autoscaler.status(service) : null;
  }

  instances(): readonly ObservedInstance[] {
    return this.provider.observed();
  }

  /** Resolves once a table built after this call reached the data plane (or publishing failed and was logged). */
  publish(): Promise<void> {
    return this.publisher.request();
  }

  /** Resolves when no reconcile is running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops deciding, then stops every instance and the data plane. */
  async shutdown(options?: ShutdownOptions): Promise<void> {
    await this.quiesce();
    await this.runs?.stopAll(options?.immediate ?? false);
    await this.provider.shutdown(options);
  }

  /** Stops deciding and leaves the instances and the data plane running, for the next control plane to adopt. */
  async detach(): Promise<void> {
    await this.quiesce();
    this.runs?.detach();
    this.provider.detach();
  }

  private async quiesce(): Promise<void> {
    this.stopping = true;
    if (this.resync) clearInterval(this.resync);
    this.autoscaler.close();
    this.rollouts.close();
    this.queue.close();
    await this.queue.idle();
  }

  private routeTable(version: number): RouteTable {
    const desired = this.desiredEnvironment();
    const table = planRouteTable(desired ? [desired] : [], this.readyInstances(), version, this.deps.clock.now(), this.traffic());
    const tls = this.deps.tls?.();
    return tls ? { ...table, tls } : table;
  }

  /** Ready instances, named by the release they count for in a rollout or a parallel run. */
  private readyInstances(): ReadyInstance[] {
    return this.instances().flatMap((instance) =>
      instance.state === 'ready' && instance.address
        ? [{ id: instance.id, environment: instance.environment, service: instance.service, release: this.rollouts.labelOf(instance, this.desiredService(instance.service)), address: instance.address }]
        : [],
    );
  }

  private traffic(): Map<string, ServiceTraffic> {
    return this.rollouts.traffic(this.desiredEnvironment());
  }

  private async resyncIfStale(): Promise<void> {
    const version = await this.provider.routeTableVersion();
    if (version !== null && version < this.publisher.lastVersion) await this.publish();
  }

  private async reconcileService(service: string): Promise<void> {
    // Before the first desired state every service would look removed: a provider adopting what
    // an earlier control plane left can report a change then, and that plan would stop it all.
    // setDesired plans every service once the desired state is known.
    if (this.stopping || this.desired === null) return;
    const desired = this.desiredService(service);
    const instances = this.provider.observed(service);
    const now = this.deps.clock.now();
    if (desired?.release && (await this.heldByReleaseCommand(desired, instances, now))) return;
    const step = desired?.release ? this.rollouts.plan(service, desired, instances, now) : null;
    if (step) {
      await Promise.all(step.actions.map((action) => this.applyRolloutAction(action, step.deployment)));
      this.wakeAt(service, step.wakeAt, now);
      return;
    }
    const run = desired?.release ? this.rollouts.parallelRun(service) : undefined;
    if (run && desired) {
      // The candidate's instances beside the trusted release's, each kept at its count.
      const counts = parallelInstanceCounts(desired.instances, run.spec);
      const isCandidate = (instance: ObservedInstance): boolean => instance.configHash === run.candidate.configHash;
      const plans: [InstancePlan, DesiredService][] = [
        [planService({ service, configHash: desired.configHash, instances: counts.trusted }, instances.filter((i) => !isCandidate(i)), now), desired],
        [planService({ service, configHash: run.candidate.configHash, instances: counts.candidate }, instances.filter(isCandidate), now), run.candidate],
      ];
      await Promise.all(plans.flatMap(([plan, release]) => plan.actions.map((action) => this.applyAction(action, release))));
      this.wakeAt(service, Math.min(...plans.map(([plan]) => plan.wakeAt ?? Infinity)), now);
      return;
    }
    const plan = planService(desired ? { service, configHash: desired.configHash, instances: desired.instances } : undefined, instances, now);
    await Promise.all(plan.actions.map((action) => this.applyAction(action, desired)));
    this.wakeAt(service, plan.wakeAt, now);
  }

  /**
   * A new release whose release command has not succeeded gets no instance: while it runs, the
   * running release alone is kept at its count; when it fails, the deployment goes back to the
   * running release (planned at once, by the caller). True when the service's plan is done.
   */
  private async heldByReleaseCommand(desired: DesiredService, instances: readonly ObservedInstance[], now: number): Promise<boolean> {
    const gate: GateState = this.releaseGate
      ? this.releaseGate.check(desired, instances)
      : desired.releaseCommand
        ? { kind: 'failed', reason: 'this control plane keeps no command runs, so it cannot run release commands' }
        : { kind: 'open' };
    if (gate.kind === 'open') return false;
    const service = desired.name;
    const deployment = this.rollouts.deployment(service);
    const ofThisRelease = deployment !== undefined && deployment.next.configHash === desired.configHash;
    if (gate.kind === 'failed') {
      if (!ofThisRelease) return true;
      this.rollouts.failRelease(service, gate.reason);
      return false;
    }
    if (!ofThisRelease) return true;
    this.rollouts.hold(service, `running the release command of ${desired.release}${gate.run === null ? '' : ` (run ${gate.run})`} before any of its instances starts`);
    const stable = deployment.stable;
    const plan = planService({ service, configHash: stable.configHash, instances: desired.instances }, instances.filter((i) => i.configHash === stable.configHash), now);
    await Promise.all(plan.actions.map((action) => this.applyAction(action, stable)));
    this.wakeAt(service, plan.wakeAt, now);
    return true;
  }

  private wakeAt(service: string, at: number | null, now: number): void {
    if (at !== null && Number.isFinite(at)) this.queue.enqueueAfter(service, at - now);
  }

  private async applyRolloutAction(action: RolloutInstanceAction, deployment: Deployment): Promise<void> {
    switch (action.kind) {
      case 'start':
        await this.provider.place(this.rollouts.releaseFor(deployment, action.group));
        return;
      case 'restart': {
        const instance = this.provider.observed(deployment.service).find((candidate) => candidate.id === action.instanceId);
        const group = instance?.configHash === deployment.next.configHash ? 'next' : 'stable';
        if (instance) await this.provider.restart(instance.id, this.rollouts.releaseFor(deployment, group));
        return;
      }
      case 'drain':
        this.provider.stopInstance(action.instanceId, action.reason);
        return;
    }
  }

  private async applyAction(action: InstanceAction, desired: DesiredService | undefined): Promise<void> {
    switch (action.kind) {
      case 'start':
        if (desired) await this.provider.place(desired);
        return;
      case 'restart':
        if (desired) await this.provider.restart(action.instanceId, desired);
        return;
      case 'stop':
        this.provider.stopInstance(action.instanceId, action.reason);
        return;
    }
  }
}
