/**
 * One environment on this machine: its supervisor (instances), its router process and the
 * publisher that keeps the router's table in step with the ready instances.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { RouteTable } from '../core/route-table.js';
import type { Drivers } from '../drivers/registry.js';
import { routerListenAddresses } from '../providers/local/router-addresses.js';
import { RouterProcess } from '../providers/local/router-launcher.js';
import type { RolloutIntent } from '../providers/local/rollout-controller.js';
import { LocalSupervisor } from '../providers/local/supervisor.js';
import type { SupervisorDeps } from '../providers/local/supervisor.js';
import { planRouteTable } from '../reconcile/route-planner.js';
import type { DesiredEnvironment } from '../spec/desired.js';
import type { NewEvent, StateStore } from '../store/state-store.js';
import { RoutePublisher } from './route-publisher.js';
import { serviceCounters } from './rollout-metrics.js';

export interface EnvironmentRuntimeOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly routerHost: string;
  readonly routerPort: number;
  readonly store: StateStore;
  readonly drivers: Drivers;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly emit: (event: NewEvent) => void;
  readonly prepare: SupervisorDeps['prepare'];
  readonly secretEnv: SupervisorDeps['secretEnv'];
  readonly deployments: SupervisorDeps['deployments'];
  readonly onRolloutAborted: SupervisorDeps['onRolloutAborted'];
}

export class EnvironmentRuntime {
  readonly supervisor: LocalSupervisor;
  readonly router: RouterProcess;
  private readonly publisher: RoutePublisher;
  private resync: NodeJS.Timeout | null = null;

  constructor(readonly options: EnvironmentRuntimeOptions) {
    const { name, logger, emit } = options;
    this.router = new RouterProcess({
      dataDir: path.join(options.dataDir, 'routers', name),
      host: options.routerHost,
      port: options.routerPort,
      alsoListen: () => routerListenAddresses(options.drivers),
      logger,
      onRestart: (reason) => {
        emit({ type: 'router.restarted', environment: name, message: `${reason}; started it again` });
        void this.publish();
      },
    });
    this.supervisor = new LocalSupervisor({
      environment: name,
      dataDir: options.dataDir,
      store: options.store,
      drivers: options.drivers,
      clock: options.clock,
      random: Math.random,
      routerUrl: this.router.url,
      logger,
      emit,
      prepare: options.prepare,
      secretEnv: options.secretEnv,
      routesChanged: () => this.publish(),
      deployments: options.deployments,
      drain: async (port, timeoutMs) => {
        const result = await this.router.drain(port, timeoutMs);
        if (!result.drained) logger.warn({ port, ...result }, 'drain timed out with requests still in flight');
      },
      measure: async (service) => serviceCounters(await this.router.metricsText(), name, service, options.clock.now()),
      onRolloutAborted: options.onRolloutAborted,
    });
    this.publisher = new RoutePublisher({
      build: (version): RouteTable => {
        const desired = this.supervisor.desiredEnvironment();
        return planRouteTable(desired ? [desired] : [], this.supervisor.readyInstances(), version, options.clock.now(), this.supervisor.traffic());
      },
      send: (table) => this.router.publish(table),
      logger,
    });
  }

  get name(): string {
    return this.options.name;
  }

  /** Starts or adopts the router, adopts the instances left running, and publishes the table. */
  async start(desired: DesiredEnvironment): Promise<void> {
    const routerStart = await this.router.ensure();
    this.options.emit({
      type: `router.${routerStart}`,
      environment: this.name,
      message: `router of ${this.name} ${routerStart} on ${this.router.url} (pid ${this.router.pid})`,
    });
    await this.supervisor.adopt();
    this.supervisor.setDesired(desired);
    await this.publish();
    // A router restarted by hand starts from its table file, which may be older: it catches up
    // here. Only a stale router gets the table again (each publish is written to disk).
    this.resync = setInterval(() => void this.resyncIfStale(), 5000);
    this.resync.unref();
  }

  setDesired(desired: DesiredEnvironment, intent?: RolloutIntent): void {
    this.supervisor.setDesired(desired, intent);
    void this.publish();
  }

  private async resyncIfStale(): Promise<void> {
    const version = await this.router.tableVersion();
    if (version !== null && version < this.publisher.lastVersion) await this.publish();
  }

  publish(): Promise<void> {
    return this.publisher.request();
  }

  /** Stops every instance, then the router. */
  async stop(): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    await this.supervisor.shutdown();
    await this.router.stop();
  }
}
