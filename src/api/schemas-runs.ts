/** The schemas of the command-run routes. */
import { z } from 'zod';
import { serviceParamsSchema } from './schemas.js';

export const commandRunViewSchema = z
  .object({
    id: z.number().int().describe('the run id, unique in this control plane'),
    environment: z.string(),
    service: z.string(),
    release: z.string().describe('the release it ran with, e.g. v3'),
    kind: z.enum(['run', 'release', 'job']).describe('`run` (skiff run), `release` (a release command), `job` (a scheduled job)'),
    command: z.array(z.string()).readonly(),
    author: z.string(),
    state: z.enum(['running', 'succeeded', 'failed', 'lost']).describe('`lost`: it ended while no control plane watched it, its exit status unknown'),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    reason: z.string().nullable().describe('why it failed or was lost'),
    timeoutMs: z.number().int().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    pid: z.number().int().nullable(),
    stoppedBy: z.string().nullable(),
  })
  .describe('a command run to completion with a release of a service');

export const startRunBodySchema = z.strictObject({
  command: z.array(z.string().min(1)).min(1).max(1000).describe('the command and its arguments, run without a shell'),
  stdin: z.boolean().default(false).describe('keep its standard input open for PUT …/runs/{id}/stdin'),
});

export const runParamsSchema = z.strictObject({
  env: z.string().min(1),
  id: z.coerce.number().int().positive().describe('the run id'),
});

export const runListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

export const runOutputQuerySchema = z.strictObject({
  follow: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .describe('keep the response open with new output until the run ends'),
});

export const runOutputLineSchema = z
  .union([z.object({ output: z.string().describe('a chunk of its output (stdout and stderr interleaved)') }), z.object({ run: commandRunViewSchema })])
  .describe('one NDJSON line: a chunk of output, or the run as it ended (the last line)');

export { serviceParamsSchema };
