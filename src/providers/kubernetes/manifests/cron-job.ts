/**
 * A scheduled job in `skiff export`: a batch/v1 CronJob running the job's command with its
 * service's release (the same pod as a run's Job: manifests/command-job.ts), its schedule and
 * time zone, `concurrency` as concurrencyPolicy, `retries` as the Job's backoffLimit, `timeout` as
 * its activeDeadlineSeconds and `startingDeadline` as startingDeadlineSeconds.
 */
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { JobSpec } from '../../../spec/schema.js';
import { commandJobSpec } from './command-job.js';
import type { ReleaseWorkload } from './input.js';
import { environmentLabels } from './labels.js';
import { dnsLabel } from './names.js';
import { wholeSeconds } from './quantities.js';

const concurrencyPolicies = { forbid: 'Forbid', replace: 'Replace', allow: 'Allow' } as const satisfies Record<JobSpec['concurrency'], string>;

/** The CronJob defaults the API server fills in. */
const cronJobDefaults = { suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 } as const;

/** Kubernetes reads five cron fields (or a nickname such as @daily); a schedule with seconds first has no CronJob form. */
export function hasKubernetesSchedule(schedule: string): boolean {
  return schedule.trim().startsWith('@') || schedule.trim().split(/\s+/).length === 5;
}

export function cronJobName(job: string): string {
  return dnsLabel(job);
}

export function scheduledCronJob(environment: string, namespace: string, name: string, job: JobSpec, workload: ReleaseWorkload): ICronJob {
  const service = workload.service.name;
  const labels = { 'app.kubernetes.io/name': service, 'skiff.dev/job': name };
  const env = { SKIFF_SERVICE: service, SKIFF_ENVIRONMENT: environment, SKIFF_RELEASE: workload.release, SKIFF_JOB: name };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: cronJobName(name), namespace, labels: { ...labels, ...environmentLabels(environment), 'skiff.dev/release': workload.release } },
    spec: {
      schedule: job.schedule,
      timeZone: job.timezone,
      concurrencyPolicy: concurrencyPolicies[job.concurrency],
      ...(job.startingDeadline !== undefined ? { startingDeadlineSeconds: wholeSeconds(job.startingDeadline, 1) } : {}),
      jobTemplate: {
        metadata: { labels },
        spec: commandJobSpec({ workload, command: job.command, env, labels }, { backoffLimit: job.retries, activeDeadlineSeconds: wholeSeconds(job.timeout, 1) }),
      },
      ...cronJobDefaults,
    },
  };
}
