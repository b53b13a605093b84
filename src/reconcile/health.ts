/**
 * Health decisions from probe results, no I/O. Readiness gates traffic; liveness failures and
 * not becoming ready within the start grace replace the instance.
 */
import type { Probe } from '../spec/schema.js';
import type { InstanceState } from '../core/instance.js';

export interface ProbeCounters {
  readonly successes: number;
  readonly failures: number;
}

export const zeroCounters: ProbeCounters = { successes: 0, failures: 0 };

export function countProbe(counters: ProbeCounters, ok: boolean): ProbeCounters {
  return ok ? { successes: counters.successes + 1, failures: 0 } : { successes: 0, failures: counters.failures + 1 };
}

export type HealthVerdict =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'state'; readonly state: 'ready' | 'unhealthy'; readonly reason: string }
  | { readonly kind: 'replace'; readonly reason: string };

/** Readiness: after one probe result has been counted. */
export function readinessVerdict(
  state: InstanceState,
  counters: ProbeCounters,
  probe: Pick<Probe, 'successThreshold' | 'failureThreshold'>,
  detail: string,
): HealthVerdict {
  if ((state === 'starting' || state === 'unhealthy') && counters.successes >= probe.successThreshold) {
    return { kind: 'state', state: 'ready', reason: 'readiness probe passed' };
  }
  if (state === 'ready' && counters.failures >= probe.failureThreshold) {
    return { kind: 'state', state: 'unhealthy', reason: `readiness probe failed ${counters.failures} times: ${detail}` };
  }
  return { kind: 'unchanged' };
}

export function livenessVerdict(
  counters: ProbeCounters,
  probe: Pick<Probe, 'failureThreshold'>,
  detail: string,
): HealthVerdict {
  if (counters.failures >= probe.failureThreshold) {
    return { kind: 'replace', reason: `liveness probe failed ${counters.failures} times: ${detail}` };
  }
  return { kind: 'unchanged' };
}

export function startGraceVerdict(startedAt: number, now: number, startGraceMs: number): HealthVerdict {
  if (now - startedAt > startGraceMs) {
    return { kind: 'replace', reason: `not ready within the start grace of ${startGraceMs}ms` };
  }
  return { kind: 'unchanged' };
}
