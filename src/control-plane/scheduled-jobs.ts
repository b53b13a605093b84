/** The jobs of the latest revision, each in the environments where its service has a release now. */
import type { ScheduledJob } from '../reconcile/job-scheduler.js';
import type { DesiredState } from './desired-state.js';
import type { EnvironmentRegistry } from './environment-registry.js';

export function scheduledJobs(state: DesiredState, environments: EnvironmentRegistry): ScheduledJob[] {
  const spec = state.latest()?.spec;
  // Revisions saved before jobs existed have no `jobs`.
  if (!spec?.jobs) return [];
  const jobs: ScheduledJob[] = [];
  for (const [name, job] of Object.entries(spec.jobs)) {
    for (const environment of job.environments ?? Object.keys(spec.environments)) {
      const service = environments
        .get(environment)
        ?.desiredEnvironment()
        ?.services.find((candidate) => candidate.name === job.service);
      if (service?.release) jobs.push({ name, environment, spec: job, service });
    }
  }
  return jobs;
}
