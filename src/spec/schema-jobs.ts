/**
 * Scheduled jobs: a command run with a service's current release on a cron schedule, in every
 * environment where the service is deployed (or the ones listed). Jobs sit at the top level,
 * beside the services they use: a job belongs to a service, not to an environment, and an
 * environment only decides whether it runs there, as it decides which services run.
 */
import { z } from 'zod';
import { checkCron, isTimeZone } from './cron.js';
import { commandSchema, durationSchema, isRecordLike, nameSchema } from './schema-values.js';
import type { SpecIssueParams } from './schema-values.js';

export const jobConcurrencies = ['forbid', 'replace', 'allow'] as const;
export type JobConcurrency = (typeof jobConcurrencies)[number];

export const defaultJobTimeoutMs = 60 * 60_000;

export const jobSchema = z
  .strictObject({
    service: nameSchema.describe("the service whose current release (artifact, config, secrets) the command runs with"),
    command: commandSchema.describe('the command, run without a shell in the release\'s directory'),
    schedule: z
      .string()
      .min(1)
      .superRefine((value, ctx) => {
        const checked = checkCron(value);
        if (!checked.ok) {
          ctx.addIssue({
            code: 'custom',
            message: `not a cron schedule: ${checked.message}`,
            params: { hint: 'five fields (minute hour day month weekday), e.g. "0 3 * * *", or six with seconds first' } satisfies SpecIssueParams,
          });
        }
      })
      .describe('a cron expression: "0 3 * * *" (03:00 every day), or six fields with seconds first'),
    timezone: z
      .string()
      .default('UTC')
      .refine(isTimeZone, {
        message: 'unknown time zone',
        params: { hint: 'an IANA zone name such as Europe/Berlin, America/New_York or UTC' } satisfies SpecIssueParams,
      })
      .describe('the time zone the schedule is read in (IANA name; default UTC); DST changes are handled'),
    concurrency: z
      .enum(jobConcurrencies)
      .default('forbid')
      .describe('when a run is due while the last still runs: `forbid` skips the new one, `replace` stops the old one, `allow` runs both'),
    timeout: durationSchema.default(defaultJobTimeoutMs).describe('a run taking longer is stopped (its process group) and counts as failed (default 1h)'),
    retries: z.number().int().min(0).max(10).default(0).describe('how many times a failed run is tried again at once'),
    startingDeadline: durationSchema
      .optional()
      .describe('a run missed (the control plane was down) still starts when it comes back within this long after its time; later, it is recorded as missed. Default: always start the latest missed run once'),
    environments: z
      .array(nameSchema)
      .optional()
      .describe('only in these environments (default: every environment where the service has a release)'),
  })
  .describe('a command run on a schedule with a service\'s release');

export const jobsSchema = z.record(nameSchema, jobSchema).default({}).describe('scheduled jobs, by name');

export type JobSpec = z.output<typeof jobSchema>;

/** The services and environments the jobs name must exist; runs on any input shape. */
export function checkJobReferences(spec: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const { services, environments, jobs } = spec;
  if (!isRecordLike(services) || !isRecordLike(jobs)) return;
  const envNames = isRecordLike(environments) ? Object.keys(environments) : ['dev'];
  for (const [name, job] of Object.entries(jobs)) {
    if (!isRecordLike(job)) continue;
    if (typeof job.service === 'string' && !Object.hasOwn(services, job.service)) {
      ctx.addIssue({
        code: 'custom',
        path: ['jobs', name, 'service'],
        message: `job "${name}" names unknown service "${job.service}"`,
        params: { hint: `services: ${Object.keys(services).join(', ')}` } satisfies SpecIssueParams,
      });
    }
    if (typeof job.service === 'string' && isRecordLike(services[job.service]) && (services[job.service] as Record<string, unknown>).kind === 'function') {
      ctx.addIssue({ code: 'custom', path: ['jobs', name, 'service'], message: `job "${name}" cannot run in function "${job.service}": a function has no command to run` });
    }
    if (!Array.isArray(job.environments)) continue;
    job.environments.forEach((environment: unknown, index) => {
      if (typeof environment === 'string' && !envNames.includes(environment)) {
        ctx.addIssue({
          code: 'custom',
          path: ['jobs', name, 'environments', index],
          message: `unknown environment "${environment}"`,
          params: { hint: `environments: ${envNames.join(', ')}` } satisfies SpecIssueParams,
        });
      }
    });
  }
}
