/** One instance as the local supervisor tracks it; the persisted part survives a control-plane restart. */
import path from 'node:path';
import type { InstanceExit, InstanceHandle, InstanceLaunch, RunningInstance } from '../../drivers/driver.js';
import type { StopReason } from '../../reconcile/instance-planner.js';
import type { InstanceState, ObservedInstance } from '../../core/instance.js';
import type { DesiredService } from '../../spec/desired.js';

export interface PersistedInstance {
  readonly id: string;
  readonly environment: string;
  readonly service: string;
  release: string;
  configHash: string;
  readonly ordinal: number;
  state: InstanceState;
  port: number;
  handle: InstanceHandle | null;
  logPath: string | null;
  restarts: number;
  consecutiveCrashes: number;
  nextStartAt: number | null;
  startedAt: number | null;
  readyAt: number | null;
  reason: string | null;
  stopReason: StopReason | null;
}

export interface InstanceRecord extends PersistedInstance {
  running: RunningInstance | null;
  probes: AbortController | null;
  /** Set when a failing probe or start grace made us stop it: its exit then counts as a crash. */
  replaceReason: string | null;
}

export function toPersisted(record: InstanceRecord): PersistedInstance {
  const { running: _running, probes: _probes, replaceReason: _replace, ...persisted } = record;
  return persisted;
}

export function fromPersisted(persisted: PersistedInstance): InstanceRecord {
  return { ...persisted, running: null, probes: null, replaceReason: null };
}

/** The provider-neutral view of the record: what the controllers above plan on. */
export function toObserved(record: InstanceRecord, host: string): ObservedInstance {
  const running = record.running;
  return {
    id: record.id,
    environment: record.environment,
    service: record.service,
    release: record.release,
    configHash: record.configHash,
    state: record.state,
    reason: record.reason,
    restarts: record.restarts,
    ordinal: record.ordinal,
    nextStartAt: record.state === 'crashed' ? record.nextStartAt : null,
    startedAt: running ? record.startedAt : null,
    address: running ? { host, port: record.port } : null,
    ...(running ? { pid: running.handle.pid } : {}),
  };
}

/** A new instance of the desired release, not started yet. */
export function newInstanceRecord(options: {
  readonly id: string;
  readonly environment: string;
  readonly desired: DesiredService;
  readonly ordinal: number;
  readonly port: number;
}): InstanceRecord {
  return {
    id: options.id,
    environment: options.environment,
    service: options.desired.name,
    release: options.desired.release ?? 'none',
    configHash: options.desired.configHash,
    ordinal: options.ordinal,
    state: 'starting',
    port: options.port,
    handle: null,
    logPath: null,
    restarts: 0,
    consecutiveCrashes: 0,
    nextStartAt: null,
    startedAt: null,
    readyAt: null,
    reason: null,
    stopReason: null,
    running: null,
    probes: null,
    replaceReason: null,
  };
}

/** What the driver gets to start one instance: the release's config plus what Skiff tells every instance. */
export function instanceLaunch(options: {
  readonly record: InstanceRecord;
  readonly desired: DesiredService;
  readonly directory: string;
  readonly image: string | undefined;
  readonly secrets: Readonly<Record<string, string>>;
  readonly routerUrl: string;
  readonly dataDir: string;
}): InstanceLaunch {
  const { record, desired } = options;
  return {
    instanceId: record.id,
    service: record.service,
    environment: record.environment,
    release: record.release,
    directory: options.directory,
    command: desired.command,
    env: {
      ...desired.env,
      ...options.secrets,
      SKIFF_INSTANCE_ID: record.id,
      ...skiffEnv(record, options.routerUrl),
    },
    port: record.port,
    resources: desired.resources,
    logDir: path.join(options.dataDir, 'logs', record.environment, record.service),
    ...(options.image !== undefined ? { image: options.image } : {}),
    ...(desired.function ? { function: desired.function } : {}),
    ...(desired.volumes.length > 0 ? { volumes: desired.volumes } : {}),
  };
}

/** What Skiff tells everything it runs of a release, instances and commands alike. */
export function skiffEnv(of: { readonly service: string; readonly environment: string; readonly release: string }, routerUrl: string): Record<string, string> {
  return { SKIFF_SERVICE: of.service, SKIFF_ENVIRONMENT: of.environment, SKIFF_RELEASE: of.release, SKIFF_ROUTER_URL: routerUrl };
}

export function describeExit(exit: InstanceExit): string {
  if (exit.oomKilled) return 'was killed for using more memory than its limit (OOM)';
  if (exit.reason) return exit.reason;
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.exitCode !== null) return `exited with code ${exit.exitCode}`;
  return 'exited';
}
