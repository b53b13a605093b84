/**
 * Skiff's health checks as Kubernetes probes, every field the API server would default written
 * out. Kubernetes counts in whole seconds: intervals and timeouts round up to at least 1 s.
 */
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { Probe } from '../../../spec/schema.js';
import { containerPort } from './input.js';
import { wholeSeconds } from './quantities.js';

type K8sProbe = IProbe;

function handler(probe: Probe): Pick<K8sProbe, 'httpGet' | 'tcpSocket'> {
  if (probe.http !== undefined) return { httpGet: { path: probe.http, port: containerPort, scheme: 'HTTP' } };
  return { tcpSocket: { port: containerPort } };
}

function timings(probe: Probe): Pick<K8sProbe, 'timeoutSeconds' | 'periodSeconds'> {
  return { timeoutSeconds: wholeSeconds(probe.timeout), periodSeconds: wholeSeconds(probe.interval) };
}

export function readinessProbe(probe: Probe): K8sProbe {
  return { ...handler(probe), ...timings(probe), successThreshold: probe.successThreshold, failureThreshold: probe.failureThreshold };
}

/** Kubernetes requires a success threshold of 1 for liveness and startup probes. */
export function livenessProbe(probe: Probe): K8sProbe {
  return { ...handler(probe), ...timings(probe), successThreshold: 1, failureThreshold: probe.failureThreshold };
}

/**
 * `startGrace`: how long a new instance may take to pass its first check. The startup probe runs
 * the readiness check (or the liveness one) until it passes, for at most that long; liveness and
 * readiness start after it.
 */
export function startupProbe(readiness: Probe | undefined, liveness: Probe | undefined): K8sProbe | undefined {
  const probe = readiness ?? liveness;
  if (!probe) return undefined;
  const periodSeconds = wholeSeconds(probe.interval);
  const failureThreshold = Math.max(1, Math.ceil(wholeSeconds(probe.startGrace) / periodSeconds));
  return { ...handler(probe), ...timings(probe), successThreshold: 1, failureThreshold };
}
