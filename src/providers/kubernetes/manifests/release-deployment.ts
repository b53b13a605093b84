/** One release = one Deployment: its replicas, image by digest, config, secrets, probes, limits and stop. */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { Resources } from '../../../spec/schema.js';
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

/** Requests equal to limits: the instance gets what the spec grants, as on the local provider (`pids` has no per-container form). */
function resources(limits: Resources): IContainer['resources'] {
  const values: Record<string, string> = {};
  if (limits.cpu !== undefined) values.cpu = cpuQuantity(limits.cpu);
  if (limits.memory !== undefined) values.memory = memoryQuantity(limits.memory);
  return Object.keys(values).length === 0 ? {} : { limits: values, requests: { ...values } };
}

/** A process service's image runs its start command in the artifact's directory; a docker service's start replaces the image's command. */
function commandOf(workload: ReleaseWorkload): Pick<IContainer, 'command' | 'args'> {
  const start = [...workload.service.command];
  if (start.length === 0) return {};
  return workload.service.driver === 'process' ? { command: start } : { args: start };
}

function container(workload: ReleaseWorkload): IContainer {
  const { service } = workload;
  const readiness = service.readiness ? readinessProbe(service.readiness) : undefined;
  const liveness = service.liveness ? livenessProbe(service.liveness) : undefined;
  const startup = startupProbe(service.readiness, service.liveness);
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
