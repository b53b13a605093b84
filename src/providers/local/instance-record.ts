/** One instance as the local supervisor tracks it; the persisted part survives a control-plane restart. */
import type { InstanceHandle, RunningInstance } from '../../drivers/driver.js';
import type { StopReason } from '../../reconcile/instance-planner.js';
import type { InstanceState, ObservedInstance } from '../../reconcile/instance-state.js';

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

export function toObserved(record: InstanceRecord): ObservedInstance {
  return {
    id: record.id,
    service: record.service,
    configHash: record.configHash,
    state: record.state,
    nextStartAt: record.state === 'crashed' ? record.nextStartAt : null,
    ordinal: record.ordinal,
  };
}
