/**
 * The instances of one environment on this machine: starting them through the drivers, watching
 * them (exits, readiness and liveness probes), marking crashes with their backoff, draining them
 * out of the router before they are signalled, and adopting the ones a previous control plane left.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { isSkiffError } from '../../core/errors.js';
import type { Driver, InstanceExit, RunningInstance } from '../../drivers/driver.js';
import type { HealthVerdict } from '../../reconcile/health.js';
import type { StopReason } from '../../reconcile/instance-planner.js';
import type { InstanceAddress, InstanceState } from '../../core/instance.js';
import { restartAfterCrash } from '../../reconcile/restart-backoff.js';
import type { DesiredService } from '../../spec/desired.js';
import type { DriverKind } from '../../spec/schema.js';
import type { NewEvent, StateStore } from '../../store/state-store.js';
import { freePort } from './free-port.js';
import { describeExit, fromPersisted, instanceLaunch, newInstanceRecord, toPersisted } from './instance-record.js';
import type { InstanceRecord, PersistedInstance } from './instance-record.js';
import { monitorHealth } from './health-monitor.js';
import { wakeStep } from '../../core/wake-trace.js';

/** What an instance of a release starts from: its directory and, for a container, the image id. */
export interface PreparedStart {
  readonly directory: string;
  readonly image?: string;
}

export interface InstanceLifecycleDeps {
  readonly environment: string;
  readonly dataDir: string;
  readonly store: StateStore;
  readonly drivers: Readonly<Record<DriverKind, Driver>>;
  readonly clock: Clock;
  readonly random: () => number;
  readonly routerUrl: string;
  readonly logger: Logger;
  readonly emit: (event: NewEvent) => void;
  /** Resolves once a routing table reflecting the current ready set reached the router. */
  readonly routesChanged: () => Promise<void>;
  /**
   * The directory an instance of this release starts in: its unpacked artifact, verified against
   * its digest before every start, or its source directory. Rejects with a SkiffError to refuse.
   */
  readonly prepare: (desired: DesiredService) => Promise<PreparedStart>;
  /** The decrypted values of the release's secrets, added to the instance's environment. */
  readonly secretEnv: (desired: DesiredService) => Promise<Readonly<Record<string, string>>>;
  /**
   * Called after the routing table without the instance reached the router: resolves once the
   * router has no request in flight to the instance (or after the timeout) and closed its idle
   * connections to it, so the instance can be signalled without losing a request.
   */
  readonly drain: (address: InstanceAddress, timeoutMs: number) => Promise<void>;
  /** The service's current desired state: probes, stop grace, driver. */
  readonly desiredService: (service: string) => DesiredService | undefined;
  /** How long a drained instance of the service may finish its requests. */
  readonly drainTimeoutMs: (service: string) => number;
  /** Something changed for the service: plan it again. */
  readonly reconcile: (service: string) => void;
}

/** Where the router reaches this machine's instances: each listens on its port on loopback. */
export const localInstanceHost = '127.0.0.1';

export class InstanceLifecycle {
  private readonly records = new Map<string, InstanceRecord>();
  private nextOrdinal = 1;
  private changes = 0;
  private closing = false;
  /** Detached: what happens to the instances now is for the next control plane to find out. */
  private detached = false;

  constructor(private readonly deps: InstanceLifecycleDeps) {}

  /** Takes over instances recorded by an earlier control plane: running ones are kept, not restarted. */
  async adopt(): Promise<void> {
    // Every process is recovered before any record is listed: a reconcile that ran while one was
    // still being recovered (another adopted instance turned ready) saw it without its process,
    // "stopped" it by forgetting it, and left it running outside status, the routes and `stop`.
    const recovered = await Promise.all(
      this.deps.store.listInstances(this.deps.environment).map(async (stored) => {
        const record = fromPersisted(stored.record as PersistedInstance);
        if (record.handle) return { record, running: await this.driverFor(record).recover(record.handle) };
        // Its start may have been under way when the control plane died: nothing may run unrecorded.
        const reaped = await this.driverFor(record).reap(record.id);
        if (reaped > 0) this.deps.logger.warn({ instance: record.id, reaped }, 'ended what an interrupted start left running');
        return { record, running: null };
      }),
    );
    for (const { record } of recovered) {
      this.nextOrdinal = Math.max(this.nextOrdinal, record.ordinal + 1);
      this.records.set(record.id, record);
    }
    // Every running instance is attached before any change is reported: a report plans the
    // service at once, and a plan must not find a live instance without its process.
    for (const { record, running } of recovered) {
      if (!running) continue;
      record.running = running;
      this.event(record, 'instance.adopted', `adopted ${record.id} (pid ${running.handle.pid}) still running`, {
        pid: running.handle.pid,
      });
      this.watch(record, running);
      if (record.state === 'stopping') void running.stop(this.stopGraceFor(record));
    }
    for (const { record, running } of recovered) {
      if (running) continue;
      if (record.state === 'stopping') this.forget(record);
      else if (record.state !== 'crashed') this.markCrashed(record, 'exited while the control plane was down');
    }
  }

  get(id: string): InstanceRecord | undefined {
    return this.records.get(id);
  }

  instances(): readonly InstanceRecord[] {
    return [...this.records.values()].sort((a, b) => a.service.localeCompare(b.service) || a.ordinal - b.ordinal);
  }

  /**
   * Stops every instance (each with its grace period, without draining) and forgets them.
   * `immediate` kills at once, also the instances an earlier call is still stopping.
   */
  async stopAll(immediate = false): Promise<void> {
    this.closing = true;
    await Promise.all(this.instances().map((record) => this.stopInstance(record, 'removed', false, immediate)));
  }

  /** Stops watching and leaves every instance running, for the next control plane to adopt. */
  detach(): void {
    this.closing = true;
    this.detached = true;
    for (const record of this.records.values()) record.probes?.abort();
  }

  async startNew(desired: DesiredService): Promise<void> {
    const record = newInstanceRecord({
      id: `${desired.name}-${randomBytes(3).toString('hex')}`,
      environment: this.deps.environment,
      desired,
      ordinal: this.nextOrdinal++,
      port: await freePort(this.takenPorts()),
    });
    this.records.set(record.id, record);
    this.persist(record);
    await this.launch(record, desired);
  }

  async restart(record: InstanceRecord, desired: DesiredService): Promise<void> {
    record.restarts += 1;
    record.state = 'starting';
    record.nextStartAt = null;
    record.port = await freePort(this.takenPorts(record.id));
    this.event(record, 'instance.restarted', `restarting ${record.id} (restart ${record.restarts})`, {
      restarts: record.restarts,
      lastReason: record.reason,
    });
    await this.launch(record, desired);
  }

  private async launch(record: InstanceRecord, desired: DesiredService): Promise<void> {
    wakeStep('control.start');
    let running: RunningInstance;
    try {
      const { directory, image } = await this.deps.prepare(desired);
      const secrets = await this.deps.secretEnv(desired);
      running = await this.driverFor(record).start(
        instanceLaunch({ record, desired, directory, image, secrets, routerUrl: this.deps.routerUrl, dataDir: this.deps.dataDir }),
      );
    } catch (error) {
      const hint = isSkiffError(error) && error.hint ? ` (${error.hint})` : '';
      const message = `${error instanceof Error ? error.message : String(error)}${hint}`;
      this.deps.emit({
        type: 'instance.start-failed',
        environment: record.environment,
        service: record.service,
        instance: record.id,
        message: `could not start ${record.id}: ${message}`,
        data: {},
      });
      this.markCrashed(record, message);
      return;
    }
    if (this.records.get(record.id) !== record || this.closing) {
      // Stopped (and forgotten) while it was being started: nothing may run outside the records.
      this.deps.logger.info({ instance: record.id, pid: running.handle.pid }, 'stopping an instance removed while it was starting');
      await running.stop(this.stopGraceFor(record));
      return;
    }
    record.running = running;
    record.handle = running.handle;
    record.logPath = running.handle.logPath;
    record.startedAt = this.deps.clock.now();
    record.readyAt = null;
    record.reason = null;
    record.replaceReason = null;
    this.event(record, 'instance.started', `started ${record.id} (pid ${running.handle.pid}, port ${record.port})`, {
      pid: running.handle.pid,
      port: record.port,
      release: record.release,
    });
    // No probe on the path of a wake from zero: the driver vouches that the instance serves.
    const servesNow = this.driverFor(record).capabilities.servesOnStart === true && desired.readiness === undefined;
    if (servesNow) this.setHealthState(record, 'ready', 'the driver reports that it serves on its port');
    this.watch(record, running, servesNow);
  }

  /** `readyAtStart`: the instance is ready on the driver's word, and is probed first an interval later. */
  private watch(record: InstanceRecord, running: RunningInstance, readyAtStart = false): void {
    record.probes?.abort();
    const probes = new AbortController();
    record.probes = probes;
    void running.exited.then((exit) => this.onExit(record, running, exit));
    monitorHealth(record, running, probes.signal, {
      probes: () => this.deps.desiredService(record.service),
      now: () => this.deps.clock.now(),
      onVerdict: (verdict) => this.applyVerdict(record, verdict),
      readyAtStart,
    });
  }

  private onExit(record: InstanceRecord, running: RunningInstance, exit: InstanceExit): void {
    if (record.running !== running || this.detached) return;
    record.probes?.abort();
    record.probes = null;
    record.running = null;
    record.handle = null;
    if (record.stopReason !== null) {
      this.event(record, 'instance.stopped', `stopped ${record.id} (${record.stopReason})`, {
        reason: record.stopReason,
      });
      this.forget(record);
      return;
    }
    const wasReady = record.state === 'ready';
    this.markCrashed(record, record.replaceReason ?? describeExit(exit), exit);
    if (wasReady) void this.deps.routesChanged();
  }

  private markCrashed(record: InstanceRecord, reason: string, exit?: InstanceExit): void {
    const now = this.deps.clock.now();
    const readyForMs = record.readyAt === null ? null : now - record.readyAt;
    const decision = restartAfterCrash({ previousCrashes: record.consecutiveCrashes, readyForMs }, this.deps.random);
    record.consecutiveCrashes = decision.consecutiveCrashes;
    const delay = decision.delayMs;
    record.state = 'crashed';
    record.reason = reason;
    record.nextStartAt = now + delay;
    record.handle = null;
    record.readyAt = null;
    this.event(record, 'instance.crashed', `${record.id} ${reason}; restarting in ${delay}ms`, {
      reason,
      restartInMs: delay,
      exitCode: exit?.exitCode ?? null,
      signal: exit?.signal ?? null,
      oomKilled: exit?.oomKilled ?? false,
    });
    if (!this.closing) this.deps.reconcile(record.service);
  }

  /**
   * Stops an instance without holding up the reconcile: it is `stopping` at once (so the next
   * plan counts it as leaving), then drained and signalled in the background.
   */
  drainAndStop(record: InstanceRecord, reason: StopReason): void {
    this.stopInstance(record, reason, true).catch((error: unknown) =>
      this.deps.logger.error({ err: error, instance: record.id }, 'stopping an instance failed'),
    );
  }

  private async stopInstance(record: InstanceRecord, reason: StopReason, publishFirst: boolean, immediate = false): Promise<void> {
    const running = record.running;
    record.stopReason = reason;
    if (!running) {
      this.event(record, 'instance.stopped', `removed ${record.id} (${reason})`, { reason });
      this.forget(record);
      return;
    }
    const served = record.state === 'ready' || record.state === 'unhealthy';
    record.state = 'stopping';
    this.persist(record);
    if (publishFirst && served) await this.drainFromRouter(record);
    await running.stop(immediate ? 0 : this.stopGraceFor(record));
    await running.exited;
  }

  /**
   * The router stops sending to the instance (a table without it), lets the requests in flight
   * finish and closes its idle connections to it; only then is the instance signalled, so even a
   * service that exits at once on SIGTERM loses no request.
   */
  private async drainFromRouter(record: InstanceRecord): Promise<void> {
    try {
      // Inside the try: a failed publish (a stale table version just after a restart) must not
      // leave the instance `stopping` forever without ever signalling it.
      await this.deps.routesChanged();
      await this.deps.drain({ host: localInstanceHost, port: record.port }, this.deps.drainTimeoutMs(record.service));
    } catch (error) {
      this.deps.logger.warn({ err: error, instance: record.id }, 'taking the instance out of the router failed; stopping it anyway');
    }
  }

  private async replace(record: InstanceRecord, reason: string): Promise<void> {
    const running = record.running;
    if (!running || record.state === 'stopping') return;
    record.replaceReason = reason;
    const wasReady = record.state === 'ready';
    this.event(record, 'instance.replacing', `replacing ${record.id}: ${reason}`, { reason });
    record.state = 'stopping';
    this.persist(record);
    if (wasReady) await this.drainFromRouter(record);
    await running.stop(this.stopGraceFor(record));
  }

  private applyVerdict(record: InstanceRecord, verdict: HealthVerdict): void {
    switch (verdict.kind) {
      case 'unchanged':
        return;
      case 'replace':
        void this.replace(record, verdict.reason);
        return;
      case 'state':
        this.setHealthState(record, verdict.state, verdict.reason);
        return;
    }
  }

  private setHealthState(record: InstanceRecord, state: 'ready' | 'unhealthy', reason: string): void {
    if (record.state === state) return;
    record.state = state;
    record.reason = state === 'ready' ? null : reason;
    if (state === 'ready') {
      record.readyAt = this.deps.clock.now();
      wakeStep('control.ready');
    }
    const type = state === 'ready' ? 'instance.ready' : 'instance.unhealthy';
    this.event(record, type, `${record.id} is ${state}: ${reason}`, { state, reason });
    void this.deps.routesChanged();
    // A new instance becoming ready lets the planner stop an outdated one.
    if (!this.closing) this.deps.reconcile(record.service);
  }

  private forget(record: InstanceRecord): void {
    this.changes += 1;
    record.probes?.abort();
    this.records.delete(record.id);
    this.deps.store.deleteInstance(record.id);
    if (!this.closing) this.deps.reconcile(record.service);
  }

  /** Grows with every change of a record: every change is persisted (or forgotten). */
  get version(): number {
    return this.changes;
  }

  private persist(record: InstanceRecord): void {
    this.changes += 1;
    if (!this.records.has(record.id)) return;
    this.deps.store.putInstance({
      id: record.id,
      environment: record.environment,
      service: record.service,
      record: toPersisted(record),
    });
  }

  /** Persists the record and appends the event: every state change is both. */
  private event(record: InstanceRecord, type: string, message: string, data: Record<string, unknown>): void {
    this.persist(record);
    this.deps.emit({
      type,
      environment: record.environment,
      service: record.service,
      instance: record.id,
      message,
      data: { state: record.state as InstanceState, ...data },
    });
  }

  private driverFor(record: InstanceRecord): Driver {
    const kind = this.deps.desiredService(record.service)?.driver ?? record.handle?.driver ?? 'process';
    return this.deps.drivers[kind];
  }

  private stopGraceFor(record: InstanceRecord): number {
    return this.deps.desiredService(record.service)?.stopGraceMs ?? 5000;
  }

  private takenPorts(except?: string): Set<number> {
    return new Set([...this.records.values()].filter((r) => r.id !== except).map((r) => r.port));
  }
}
