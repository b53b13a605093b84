/**
 * The `fake` provider: simulated instances that run nothing. They become ready as soon as they are
 * placed (or when a test says so), crash or fail their probes on command, and the data plane is a
 * table kept in memory with counters a test sets. It runs the control plane's rollout, analysis
 * and scale stories in fast tests, and lets a person try a spec or measure the control plane.
 */
import type { Clock } from '../../core/clock.js';
import type { InstanceAddress, InstanceUsage, ObservedInstance } from '../../core/instance.js';
import type { ParallelReport } from '../../core/parallel-report.js';
import type { RouteTable } from '../../core/route-table.js';
import { WakeQueue } from '../../core/wake-queue.js';
import type { CountersSnapshot } from '../../reconcile/deployment.js';
import type { StopReason } from '../../reconcile/instance-planner.js';
import type { LogSource, Provider, ProviderCapabilities, ProviderContext, ProviderFactory, ServiceLoad } from '../../reconcile/provider.js';
import { restartAfterCrash } from '../../reconcile/restart-backoff.js';
import type { DesiredEnvironment, DesiredService } from '../../spec/desired.js';

export interface FakeProviderOptions {
  readonly clock: Clock;
  /** Placed and restarted instances are ready at once (default); false: they stay starting until `markReady`. */
  readonly readyOnStart?: boolean;
  readonly random?: () => number;
  /** `start` reports the data plane as adopted, as after a control-plane restart (default: started). */
  readonly adoptedDataPlane?: boolean;
}

interface FakeInstance {
  id: string;
  readonly service: string;
  release: string;
  configHash: string;
  state: ObservedInstance['state'];
  reason: string | null;
  restarts: number;
  crashes: number;
  readyAt: number | null;
  readonly ordinal: number;
  nextStartAt: number | null;
  startedAt: number | null;
  readonly address: InstanceAddress;
}

const fakeHost = 'fake.invalid';

export class FakeProvider implements Provider {
  readonly kind = 'fake';
  readonly capabilities: ProviderCapabilities = {
    adoptsOnRestart: false,
    resourceLimits: { enforced: false, reason: 'the fake provider runs nothing' },
    // Its data plane mirrors nothing, so it has nothing to compare.
    parallelRuns: false,
    logs: false,
    usage: false,
  };
  private readonly instances = new Map<string, FakeInstance>();
  private readonly byService = new Map<string, Map<string, FakeInstance>>();
  private readonly counterSnapshots = new Map<string, CountersSnapshot>();
  private readonly loads = new Map<string, ServiceLoad>();
  private readonly wakes = new WakeQueue();
  private table: RouteTable | null = null;
  private nextOrdinal = 1;
  private changes = 0;
  private closed = false;
  /** Every table published, in order. */
  readonly tables: RouteTable[] = [];
  /** Every instance stop asked for, in order. */
  readonly stops: { readonly id: string; readonly reason: StopReason }[] = [];

  constructor(
    private readonly context: ProviderContext,
    private readonly options: FakeProviderOptions,
  ) {}

  get environment(): string {
    return this.context.environment;
  }

  get routerUrl(): string {
    return `http://${fakeHost}:${this.context.routerPort}`;
  }

  async start(_desired: DesiredEnvironment): Promise<{ dataPlane: 'started' | 'adopted'; detail: string }> {
    const dataPlane = this.options.adoptedDataPlane ? 'adopted' : 'started';
    return { dataPlane, detail: `simulated data plane of ${this.environment} ${dataPlane} (fake provider)` };
  }

  follow(_desired: DesiredEnvironment): void {}

  observed(service?: string): readonly ObservedInstance[] {
    const instances = service === undefined ? [...this.instances.values()] : [...(this.byService.get(service)?.values() ?? [])];
    return instances
      .sort((a, b) => a.service.localeCompare(b.service) || a.ordinal - b.ordinal)
      .map((instance) => ({
        id: instance.id,
        environment: this.environment,
        service: instance.service,
        release: instance.release,
        configHash: instance.configHash,
        state: instance.state,
        reason: instance.reason,
        restarts: instance.restarts,
        ordinal: instance.ordinal,
        nextStartAt: instance.state === 'crashed' ? instance.nextStartAt : null,
        startedAt: instance.startedAt,
        address: instance.state === 'crashed' ? null : instance.address,
      }));
  }

  observedVersion(): number {
    return this.changes;
  }

  async place(release: DesiredService): Promise<void> {
    const ordinal = this.nextOrdinal++;
    const instance: FakeInstance = {
      id: `${release.name}-${ordinal.toString(16).padStart(6, '0')}`,
      service: release.name,
      release: release.release ?? 'none',
      configHash: release.configHash,
      state: 'starting',
      reason: null,
      restarts: 0,
      crashes: 0,
      readyAt: null,
      ordinal,
      nextStartAt: null,
      startedAt: this.options.clock.now(),
      address: { host: fakeHost, port: 10_000 + ordinal },
    };
    this.instances.set(instance.id, instance);
    const mine = this.byService.get(instance.service) ?? new Map<string, FakeInstance>();
    this.byService.set(instance.service, mine.set(instance.id, instance));
    this.event(instance, 'instance.started', `started ${instance.id} (simulated)`);
    if (this.options.readyOnStart ?? true) this.markReady(instance.id);
  }

  async restart(instanceId: string, release: DesiredService): Promise<void> {
    const instance = this.instances.get(instanceId);
    if (!instance) return;
    instance.restarts += 1;
    instance.release = release.release ?? 'none';
    instance.configHash = release.configHash;
    instance.state = 'starting';
    instance.nextStartAt = null;
    instance.startedAt = this.options.clock.now();
    this.event(instance, 'instance.restarted', `restarting ${instance.id} (restart ${instance.restarts})`);
    if (this.options.readyOnStart ?? true) this.markReady(instance.id);
  }

  stopInstance(instanceId: string, reason: StopReason): void {
    const instance = this.instances.get(instanceId);
    if (!instance || instance.state === 'stopping') return;
    this.stops.push({ id: instanceId, reason });
    const served = instance.state === 'ready' || instance.state === 'unhealthy';
    instance.state = 'stopping';
    this.changes += 1;
    // As a real provider does: out of the routing table first, then gone.
    void (served ? this.context.hooks.routesChanged() : Promise.resolve()).then(() => {
      this.instances.delete(instanceId);
      this.byService.get(instance.service)?.delete(instanceId);
      this.event(instance, 'instance.stopped', `stopped ${instance.id} (${reason})`);
      this.changed(instance.service);
    });
  }

  // Scripting, for tests.

  markReady(instanceId: string): void {
    this.setState(instanceId, 'ready', null);
  }

  failProbe(instanceId: string, reason = 'readiness probe failed'): void {
    this.setState(instanceId, 'unhealthy', reason);
  }

  crash(instanceId: string, reason = 'exited with code 1'): void {
    const instance = this.instances.get(instanceId);
    if (!instance || instance.state === 'stopping') return;
    const wasReady = instance.state === 'ready';
    const now = this.options.clock.now();
    const decision = restartAfterCrash({ previousCrashes: instance.crashes, readyForMs: instance.readyAt === null ? null : now - instance.readyAt }, this.options.random ?? Math.random);
    instance.crashes = decision.consecutiveCrashes;
    instance.readyAt = null;
    const delay = decision.delayMs;
    instance.state = 'crashed';
    instance.reason = reason;
    instance.nextStartAt = now + delay;
    instance.startedAt = null;
    this.event(instance, 'instance.crashed', `${instance.id} ${reason}; restarting in ${delay}ms`);
    if (wasReady) void this.context.hooks.routesChanged();
    this.changed(instance.service);
  }

  setCounters(service: string, snapshot: CountersSnapshot): void {
    this.counterSnapshots.set(service, snapshot);
  }

  /** The table the simulated data plane routes with. */
  routeTable(): RouteTable | null {
    return this.table;
  }

  // The data plane.

  async publishRoutes(table: RouteTable): Promise<void> {
    if (this.table && table.version < this.table.version) return;
    this.table = table;
    this.tables.push(table);
  }

  async routeTableVersion(): Promise<number | null> {
    return this.table?.version ?? null;
  }

  async drain(_address: InstanceAddress, _timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    return { drained: true, inFlight: 0 };
  }

  async counters(service: string): Promise<CountersSnapshot> {
    return this.counterSnapshots.get(service) ?? { at: this.options.clock.now(), releases: {} };
  }

  async dataPlaneMetrics(): Promise<string> {
    return '';
  }

  /** For tests: the load the simulated data plane reports for a service. */
  setLoad(service: string, load: ServiceLoad): void {
    this.loads.set(service, load);
  }

  async load(): Promise<ReadonlyMap<string, ServiceLoad>> {
    return new Map(this.loads);
  }

  /** For tests: the simulated data plane holds a request for a service without instances. */
  holdRequest(service: string): void {
    this.wakes.add(service);
  }

  wakeRequests(signal: AbortSignal): Promise<readonly string[]> {
    return this.wakes.take(30_000, signal);
  }

  async dataPlaneTable(): Promise<RouteTable> {
    return this.table ?? { version: 0, generatedAt: new Date(this.options.clock.now()).toISOString(), routes: [] };
  }

  async parallelReport(): Promise<ParallelReport> {
    return { routes: [] };
  }

  async resetParallel(): Promise<void> {}

  logSources(): readonly LogSource[] {
    return [];
  }

  async usage(_instanceId: string): Promise<InstanceUsage | null> {
    return null;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    this.wakes.close();
    this.instances.clear();
    this.byService.clear();
  }

  detach(): void {
    this.closed = true;
  }

  private setState(instanceId: string, state: 'ready' | 'unhealthy', reason: string | null): void {
    const instance = this.instances.get(instanceId);
    if (!instance || instance.state === state || instance.state === 'stopping' || instance.state === 'crashed') return;
    instance.state = state;
    instance.reason = reason;
    if (state === 'ready') instance.readyAt = this.options.clock.now();
    this.event(instance, state === 'ready' ? 'instance.ready' : 'instance.unhealthy', `${instance.id} is ${state}${reason ? `: ${reason}` : ''}`);
    void this.context.hooks.routesChanged();
    this.changed(instance.service);
  }

  private changed(service: string): void {
    if (!this.closed) this.context.hooks.instanceChanged(service);
  }

  private event(instance: FakeInstance, type: string, message: string): void {
    this.changes += 1;
    this.context.hooks.emit({ type, environment: this.environment, service: instance.service, instance: instance.id, message, data: { state: instance.state } });
  }
}

export function createFakeProvider(options: FakeProviderOptions): ProviderFactory {
  return (context) => new FakeProvider(context, options);
}
