/** One release = one Deployment: its replicas, image by digest, config, secrets, probes, limits and stop. */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { Probe, Resources } from '../../../spec/schema.js';
import { envConfigMapNameOf } from './config-maps.js';
import { containerPort, drainSeconds } from './input.js';
import type { ReleaseWorkload } from './input.js';
import { releaseLabels, releaseSelector } from './labels.js';
import { releaseObjectName, secretName } from './names.js';
import { containerDefaults, deploymentDefaults, podDefaults } from './pod-defaults.js';
import { livenessProbe, readinessProbe, startupProbe } from './probes.js';
import { imagePullSecrets } from './registry-secret.js';
import { cpuQuantity, memoryQuantity, wholeSeconds } from './quantities.js';
import { volumeMountsOf } from './volume-claims.js';

/**
 * A function without a readiness check gets the runtime's own `/health` (200 once its handler is
 * loaded and it listens): without a probe its pod would be ready, and get the held requests,
 * before the runtime serves.
 */
const functionReadiness: Probe = { http: '/health', interval: 1000, timeout: 1000, successThreshold: 1, failureThreshold: 3, startGrace: 30_000 };

/** Requests equal to limits: the instance gets what the spec grants, as on the local provider (`pids` has no per-container form). */
export function resources(limits: Resources): IContainer['resources'] {
  const values: Record<string, string> = {};
  if (limits.cpu !== undefined) values.cpu = cpuQuantity(limits.cpu);
  if (limits.memory !== undefined) values.memory = memoryQuantity(limits.memory);
  return Object.keys(values).length === 0 ? {} : { limits: values, requests: { ...values } };
}

/**
 * A process service's image runs its start command in the artifact's directory; a docker service's
 * start replaces the image's command; a function's image runs the function runtime, told here
 * what to load (one image serves every release of the artifact). `command` replaces the start
 * command for a one-off run.
 */
export function commandOf(workload: ReleaseWorkload, command: readonly string[] = workload.service.command): Pick<IContainer, 'command' | 'args'> {
  const fn = workload.service.function;
  if (fn && command === workload.service.command) return { args: [fn.handler, '--timeout-ms', String(fn.timeoutMs), '--concurrency', String(fn.concurrency)] };
  const start = [...command];
  if (start.length === 0) return {};
  return workload.service.driver === 'docker' ? { args: start } : { command: start };
}

function container(workload: ReleaseWorkload): IContainer {
  const { service } = workload;
  const readinessCheck = service.readiness ?? (service.function ? functionReadiness : undefined);
  const readiness = readinessCheck ? readinessProbe(readinessCheck) : undefined;
  const liveness = service.liveness ? livenessProbe(service.liveness) : undefined;
  const startup = startupProbe(readinessCheck, service.liveness);
  const volumes = volumeMountsOf(service);
  return {
    name: service.name,
    image: workload.image,
    ...commandOf(workload),
    ports: [{ name: 'http', containerPort, protocol: 'TCP' }],
    env: [
      { name: 'PORT', value: String(containerPort) },
      { name: 'SKIFF_INSTANCE_ID', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      ...volumes.env,
    ],
    envFrom: [
      { configMapRef: { name: envConfigMapNameOf(workload) } },
      ...(Object.keys(workload.secrets).length > 0 ? [{ secretRef: { name: secretName(service.name, workload.release) } }] : []),
    ],
    resources: resources(service.resources),
    ...(volumes.mounts.length > 0 ? { volumeMounts: volumes.mounts } : {}),
    ...(readiness ? { readinessProbe: readiness } : {}),
    ...(liveness ? { livenessProbe: liveness } : {}),
    ...(startup ? { startupProbe: startup } : {}),
    // The pod keeps serving while the router takes it out of its table; SIGTERM comes after.
    lifecycle: { preStop: { sleep: { seconds: drainSeconds } } },
    ...containerDefaults,
  };
}

export function releaseDeployment(environment: string, namespace: string, workload: ReleaseWorkload): IDeployment {
  const { service, release } = workload;
  const labels = releaseLabels(environment, service.name, release);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: releaseObjectName(service.name, release),
      namespace,
      labels,
      annotations: {
        'skiff.dev/config-hash': service.configHash,
        ...(service.artifact ? { 'skiff.dev/artifact': service.artifact } : {}),
      },
    },
    spec: {
      replicas: workload.replicas,
      selector: { matchLabels: releaseSelector(service.name, release) },
      template: {
        metadata: { labels },
        spec: {
          containers: [container(workload)],
          ...(service.volumes.length > 0 ? { volumes: volumeMountsOf(service).podVolumes } : {}),
          // The grace period counts from the preStop hook: drain first, then the service's own stopGrace.
          terminationGracePeriodSeconds: drainSeconds + wholeSeconds(service.stopGraceMs, 0),
          enableServiceLinks: false,
          ...imagePullSecrets(workload.pullSecret === true),
          ...podDefaults,
        },
      },
      ...deploymentDefaults,
    },
  };
}
