/**
 * The `local` provider: this machine runs the environment. Its instances run through the drivers
 * (process, docker) under the instance lifecycle (probes, crashes, drain before stop, adoption),
 * and its data plane is a router process started detached, which outlives the control plane.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { InstanceAddress, InstanceUsage, ObservedInstance } from '../../core/instance.js';
import type { ParallelReport } from '../../core/parallel-report.js';
import type { RouteTable } from '../../core/route-table.js';
import type { Drivers } from '../../drivers/registry.js';
import type { CountersSnapshot } from '../../reconcile/deployment.js';
import type { StopReason } from '../../reconcile/instance-planner.js';
import type {
  CommandHandle,
  CommandLaunch,
  LogSource,
  Provider,
  ProviderCapabilities,
  ProviderContext,
  ProviderFactory,
  RunningCommand,
  ServiceLoad,
  ShutdownOptions,
} from '../../reconcile/provider.js';
import type { DesiredEnvironment, DesiredService } from '../../spec/desired.js';
import type { StateStore } from '../../store/state-store.js';
import { recoverCommand, startCommand } from './command-launcher.js';
import type { CommandLauncherDeps } from './command-launcher.js';
import { InstanceLifecycle, localInstanceHost } from './instance-lifecycle.js';
import type { InstanceLifecycleDeps } from './instance-lifecycle.js';
import { toObserved } from './instance-record.js';
import { serviceCounters } from './router-counters.js';
import { serviceLoads } from './router-load.js';
import { routerListenAddresses } from './router-addresses.js';
import { RouterLauncher } from './router-launcher.js';

/** What this machine gives every local environment. */
export interface LocalProviderDeps {
  readonly dataDir: string;
  /** The address the routers listen on. */
  readonly routerHost: string;
  /** Where instance records are kept, so a restarted control plane adopts them. */
  readonly store: StateStore;
  readonly drivers: Drivers;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly prepare: InstanceLifecycleDeps['prepare'];
  readonly secretEnv: InstanceLifecycleDeps['secretEnv'];
}

export class LocalProvider implements Provider {
  readonly kind = 'local';
  readonly capabilities: ProviderCapabilities;
  private readonly router: RouterLauncher;
  private readonly lifecycle: InstanceLifecycle;
  private desired: DesiredEnvironment | null = null;

  constructor(
    private readonly context: ProviderContext,
    private readonly deps: LocalProviderDeps,
  ) {
    const { environment, hooks } = context;
    this.capabilities = {
      adoptsOnRestart: true,
      resourceLimits: deps.drivers.process.capabilities.resourceLimits,
      parallelRuns: true,
      logs: true,
      usage: true,
    };
    const listen = context.spec?.router?.listen ?? [];
    const tlsListen = listen.filter((address) => address.tls).map((address) => `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`);
    this.router = new RouterLauncher({
      dataDir: path.join(deps.dataDir, 'routers', environment),
      // The plain address of `router.listen` (its port is `context.routerPort`), else the server's.
      host: listen.find((address) => !address.tls)?.host ?? deps.routerHost,
      port: context.routerPort,
      ...(tlsListen.length === 0 ? {} : { tlsListen }),
      logger: deps.logger,
      onRestart: hooks.dataPlaneRestarted,
      // Containers reach the router on the addresses their drivers name (the docker bridge's gateway).
      alsoListen: () => routerListenAddresses(deps.drivers),
    });
    this.lifecycle = new InstanceLifecycle({
      environment,
      dataDir: deps.dataDir,
      store: deps.store,
      drivers: deps.drivers,
      clock: deps.clock,
      random: deps.random,
      routerUrl: this.router.url,
      logger: deps.logger,
      emit: hooks.emit,
      prepare: deps.prepare,
      secretEnv: deps.secretEnv,
      routesChanged: hooks.routesChanged,
      drain: async (address, timeoutMs) => {
        const result = await this.drain(address, timeoutMs);
        if (!result.drained) deps.logger.warn({ address, ...result }, 'drain timed out with requests still in flight');
      },
      desiredService: (service) => this.desired?.services.find((candidate) => candidate.name === service),
      drainTimeoutMs: hooks.drainTimeoutMs,
      reconcile: hooks.instanceChanged,
    });
  }

  get environment(): string {
    return this.context.environment;
  }

  get routerUrl(): string {
    return this.router.url;
  }

  async start(desired: DesiredEnvironment): Promise<{ dataPlane: 'started' | 'adopted'; detail: string }> {
    this.desired = desired;
    const dataPlane = await this.router.ensure();
    await this.lifecycle.adopt();
    return { dataPlane, detail: `router of ${this.environment} ${dataPlane} on ${this.router.url} (pid ${this.router.pid})` };
  }

  follow(desired: DesiredEnvironment): void {
    this.desired = desired;
  }

  observed(service?: string): readonly ObservedInstance[] {
    const records = this.lifecycle.instances();
    return (service === undefined ? records : records.filter((record) => record.service === service)).map((record) => toObserved(record, localInstanceHost));
  }

  observedVersion(): number {
    return this.lifecycle.version;
  }

  place(release: DesiredService): Promise<void> {
    return this.lifecycle.startNew(release);
  }

  async restart(instanceId: string, release: DesiredService): Promise<void> {
    const record = this.lifecycle.get(instanceId);
    if (record) await this.lifecycle.restart(record, release);
  }

  stopInstance(instanceId: string, reason: StopReason): void {
    const record = this.lifecycle.get(instanceId);
    if (record) this.lifecycle.drainAndStop(record, reason);
  }

  publishRoutes(table: RouteTable): Promise<void> {
    return this.router.publish(table);
  }

  routeTableVersion(): Promise<number | null> {
    return this.router.tableVersion();
  }

  drain(address: InstanceAddress, timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    return this.router.drain(address, timeoutMs);
  }

  async counters(service: string): Promise<CountersSnapshot> {
    return serviceCounters(await this.router.metricsText(), this.environment, service, this.deps.clock.now());
  }

  async load(): Promise<ReadonlyMap<string, ServiceLoad>> {
    return serviceLoads(await this.router.metricsText(), this.environment);
  }

  wakeRequests(signal: AbortSignal): Promise<readonly string[]> {
    return this.router.wakeRequests(signal);
  }

  dataPlaneMetrics(): Promise<string> {
    return this.router.metricsText();
  }

  dataPlaneTable(): Promise<RouteTable> {
    return this.router.table();
  }

  parallelReport(): Promise<ParallelReport> {
    return this.router.parallelReport();
  }

  resetParallel(): Promise<void> {
    return this.router.resetParallel();
  }

  logSources(): readonly LogSource[] {
    return this.lifecycle.instances().flatMap((record) =>
      record.logPath ? [{ id: record.id, environment: record.environment, service: record.service, release: record.release, logPath: record.logPath }] : [],
    );
  }

  async usage(instanceId: string): Promise<InstanceUsage | null> {
    const handle = this.lifecycle.get(instanceId)?.running?.handle;
    if (!handle) return null;
    return this.deps.drivers[handle.driver].usage(handle).catch(() => null);
  }

  startCommand(launch: CommandLaunch): Promise<RunningCommand> {
    return startCommand(this.commandDeps(), launch);
  }

  recoverCommand(handle: CommandHandle): Promise<RunningCommand | null> {
    return recoverCommand(this.commandDeps(), handle);
  }

  private commandDeps(): CommandLauncherDeps {
    const { dataDir, drivers, prepare, secretEnv } = this.deps;
    return { environment: this.environment, dataDir, drivers, prepare, secretEnv, routerUrl: this.router.url };
  }

  async shutdown(options?: ShutdownOptions): Promise<void> {
    const immediate = options?.immediate ?? false;
    await this.lifecycle.stopAll(immediate);
    await this.router.stop(immediate ? 0 : undefined);
  }

  detach(): void {
    this.lifecycle.detach();
    this.router.detach();
  }
}

export function createLocalProvider(deps: LocalProviderDeps): ProviderFactory {
  return (context) => new LocalProvider(context, deps);
}
