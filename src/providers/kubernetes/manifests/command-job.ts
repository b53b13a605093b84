/**
 * A command run with a release on Kubernetes (`skiff run`, a job's run) is a batch/v1 Job of one
 * pod that is not restarted (Skiff's own retries try a job again), with the release's image,
 * config, secrets, limits and volumes. A scheduled job in `skiff export` is a CronJob whose Job
 * template is the same. Every field the API server would fill in is written.
 */
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { envConfigMapNameOf } from './config-maps.js';
import { containerPort } from './input.js';
import type { ReleaseWorkload } from './input.js';
import { environmentLabels } from './labels.js';
import { secretName } from './names.js';
import { containerDefaults, podDefaults } from './pod-defaults.js';
import { imagePullSecrets } from './registry-secret.js';
import { wholeSeconds } from './quantities.js';
import { commandOf, resources } from './release-deployment.js';
import { volumeMountsOf } from './volume-claims.js';

export interface CommandPod {
  readonly workload: ReleaseWorkload;
  readonly command: readonly string[];
  /** Variables beside the release's config and secrets (SKIFF_JOB, SKIFF_RUN_ID…). */
  readonly env: Readonly<Record<string, string>>;
  /** The pods' own labels. They never carry the environment's labels: a command's pod is no instance of the service. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The Job fields the API server defaults, as it would write them. */
export const jobDefaults = { completions: 1, parallelism: 1, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' } as const;

function commandContainer(pod: CommandPod): IContainer {
  const { service } = pod.workload;
  const volumes = volumeMountsOf(service);
  return {
    name: service.name,
    image: pod.workload.image,
    ...commandOf(pod.workload, pod.command),
    env: [
      // Some programs read PORT at load even when they only run a task; nothing routes to it.
      { name: 'PORT', value: String(containerPort) },
      ...Object.entries(pod.env).map(([name, value]) => ({ name, value })),
      ...volumes.env,
    ],
    envFrom: [
      { configMapRef: { name: envConfigMapNameOf(pod.workload) } },
      ...(Object.keys(pod.workload.secrets).length > 0 ? [{ secretRef: { name: secretName(service.name, pod.workload.release) } }] : []),
    ],
    resources: resources(service.resources),
    ...(volumes.mounts.length > 0 ? { volumeMounts: volumes.mounts } : {}),
    ...containerDefaults,
  };
}

export function commandPodTemplate(pod: CommandPod): IPodTemplateSpec {
  const { service } = pod.workload;
  return {
    metadata: { labels: { ...pod.labels } },
    spec: {
      containers: [commandContainer(pod)],
      ...(service.volumes.length > 0 ? { volumes: volumeMountsOf(service).podVolumes } : {}),
      terminationGracePeriodSeconds: wholeSeconds(service.stopGraceMs, 0),
      enableServiceLinks: false,
      ...imagePullSecrets(pod.workload.pullSecret === true),
      ...podDefaults,
      restartPolicy: 'Never',
    },
  };
}

/** The Job's spec: one pod, not tried again by Kubernetes (`retries` are Skiff's, or the CronJob's `backoffLimit`). */
export function commandJobSpec(pod: CommandPod, options: { readonly backoffLimit: number; readonly activeDeadlineSeconds?: number }): IJobSpec {
  return {
    template: commandPodTemplate(pod),
    backoffLimit: options.backoffLimit,
    ...(options.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: options.activeDeadlineSeconds } : {}),
    ...jobDefaults,
  };
}

/** The Job of one run, labelled as Skiff's object of the environment (the pods are not: see CommandPod). */
export function commandJob(environment: string, namespace: string, name: string, pod: CommandPod): IJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': pod.workload.service.name, ...environmentLabels(environment), 'skiff.dev/release': pod.workload.release, ...pod.labels } },
    spec: commandJobSpec(pod, { backoffLimit: 0 }),
  };
}
