import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { JobPort, JobRunView, JobSummary } from '../job-port.js';
import { defineRoute } from '../route.js';

const statuses = ['running', 'succeeded', 'failed', 'timed-out', 'replaced', 'lost', 'skipped', 'missed'] as const;

export const jobRunViewSchema: z.ZodType<JobRunView> = z
  .object({
    id: z.number().int(),
    job: z.string(),
    environment: z.string(),
    service: z.string(),
    release: z.string().nullable(),
    scheduledAt: z.string().describe('the schedule time it ran for'),
    attempt: z.number().int().describe('1 for the first try; 0 for a skipped or missed time'),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    status: z.enum(statuses),
    exitCode: z.number().int().nullable(),
    reason: z.string().nullable(),
    output: z.string().describe('the last lines of its output'),
  })
  .describe('one attempt of a scheduled job (or a skipped or missed time)');

export const jobSummarySchema: z.ZodType<JobSummary> = z
  .object({
    name: z.string(),
    environment: z.string(),
    service: z.string(),
    schedule: z.string(),
    timezone: z.string(),
    concurrency: z.enum(['forbid', 'replace', 'allow']),
    running: z.number().int(),
    lastRun: jobRunViewSchema.nullable(),
    nextRunAt: z.string().nullable(),
  })
  .describe('a scheduled job in an environment, with its last run and next time');

export function jobRoutes(jobs: JobPort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/jobs',
      tag: 'jobs',
      summary: 'Scheduled jobs per environment, with the last run, its result and the next run',
      querystring: z.strictObject({ environment: z.string().optional().describe('only this environment') }),
      response: z.array(jobSummarySchema),
      handler: (request) => [...jobs.jobs(request.query.environment)],
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/jobs/:job/runs',
      tag: 'jobs',
      summary: 'The history of a job: every attempt, skip and miss, newest first',
      params: z.strictObject({ job: z.string().min(1) }),
      querystring: z.strictObject({
        environment: z.string().optional().describe('only this environment'),
        limit: z.coerce.number().int().min(1).max(1000).default(20),
      }),
      response: z.array(jobRunViewSchema),
      handler: (request) => [...jobs.runs({ job: request.params.job, limit: request.query.limit, ...(request.query.environment ? { environment: request.query.environment } : {}) })],
    });
  };
}
