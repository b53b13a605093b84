/**
 * Which of the spec's scheduled jobs `skiff export` writes as CronJobs for an environment: those
 * that run there (`environments:`) with a service whose release is exported, on a schedule
 * Kubernetes can read. The others are left out, each with a warning saying why. Pure.
 */
import type { Spec } from '../../spec/schema.js';
import { hasKubernetesSchedule } from './manifests/cron-job.js';
import type { ScheduledJob } from './manifests/input.js';

export function exportableJobs(spec: Spec, environment: string, exportedServices: ReadonlySet<string>): { readonly jobs: ScheduledJob[]; readonly warnings: string[] } {
  const jobs: ScheduledJob[] = [];
  const warnings: string[] = [];
  for (const [name, job] of Object.entries(spec.jobs ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (job.environments !== undefined && !job.environments.includes(environment)) continue;
    if (!exportedServices.has(job.service)) warnings.push(`job ${name} left out: its service ${job.service} has no release in the export`);
    else if (!hasKubernetesSchedule(job.schedule)) warnings.push(`job ${name} left out: its schedule "${job.schedule}" counts seconds, which a CronJob cannot (five fields, minute first)`);
    else jobs.push({ name, job });
  }
  return { jobs, warnings };
}
