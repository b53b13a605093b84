/**
 * Probes one running instance for readiness and liveness until the signal aborts, and hands each
 * verdict to the supervisor. The decisions themselves are the pure functions of reconcile/health.
 */
import { sleep } from '../../core/clock.js';
import type { RunningInstance } from '../../drivers/driver.js';
import { countProbe, livenessVerdict, readinessVerdict, startGraceVerdict, zeroCounters } from '../../reconcile/health.js';
import type { HealthVerdict } from '../../reconcile/health.js';
import type { Probe } from '../../spec/schema.js';
import type { InstanceRecord } from './instance-record.js';
import { runProbe } from './probes.js';

export interface HealthMonitorHooks {
  /** The service's current probes (they may change with an apply while the instance runs). */
  readonly probes: () => { readonly readiness: Probe | undefined; readonly liveness: Probe | undefined } | undefined;
  readonly now: () => number;
  readonly onVerdict: (verdict: HealthVerdict) => void;
  /** Ready already when watching begins (on the driver's word): the first readiness probe waits an interval. */
  readonly readyAtStart?: boolean;
}

/** A new instance is probed this often until it first passes, so it gets traffic as soon as it can. */
const startingProbeIntervalMs = 20;

/** Used when a service declares no readiness probe: ready once its port accepts connections. */
const defaultReadiness: Probe = {
  tcp: true,
  interval: 1000,
  timeout: 1000,
  successThreshold: 1,
  failureThreshold: 3,
  startGrace: 30_000,
};

export function monitorHealth(record: InstanceRecord, running: RunningInstance, signal: AbortSignal, hooks: HealthMonitorHooks): void {
  const current = (): boolean => !signal.aborted && record.running === running;
  void readinessLoop(record, current, signal, hooks);
  void livenessLoop(record, current, signal, hooks);
}

async function readinessLoop(record: InstanceRecord, current: () => boolean, signal: AbortSignal, hooks: HealthMonitorHooks): Promise<void> {
  let counters = zeroCounters;
  if (hooks.readyAtStart === true) await sleep((hooks.probes()?.readiness ?? defaultReadiness).interval, signal);
  while (current()) {
    const probe = hooks.probes()?.readiness ?? defaultReadiness;
    const outcome = await runProbe({ port: record.port, http: probe.http, timeoutMs: probe.timeout });
    if (!current() || record.state === 'stopping') return;
    counters = countProbe(counters, outcome.ok);
    hooks.onVerdict(readinessVerdict(record.state, counters, probe, outcome.detail));
    if (record.state === 'starting' && record.startedAt !== null) {
      hooks.onVerdict(startGraceVerdict(record.startedAt, hooks.now(), probe.startGrace));
    }
    await sleep(record.state === 'starting' ? startingProbeIntervalMs : probe.interval, signal);
  }
}

async function livenessLoop(record: InstanceRecord, current: () => boolean, signal: AbortSignal, hooks: HealthMonitorHooks): Promise<void> {
  let counters = zeroCounters;
  while (current()) {
    const probe = hooks.probes()?.liveness;
    if (!probe) return;
    await sleep(probe.interval, signal);
    // Liveness starts counting once the instance was ready or its start grace is over.
    const started = record.readyAt !== null || hooks.now() - (record.startedAt ?? 0) > probe.startGrace;
    if (!current() || record.state === 'stopping' || !started) continue;
    const outcome = await runProbe({ port: record.port, http: probe.http, timeoutMs: probe.timeout });
    if (!current()) return;
    counters = countProbe(counters, outcome.ok);
    hooks.onVerdict(livenessVerdict(counters, probe, outcome.detail));
  }
}
