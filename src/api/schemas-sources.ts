/** The API's schemas of GitOps sync state, drift and webhook answers. */
import { z } from 'zod';
import { errorCatalog } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { errorDetailSchema } from './schemas.js';
import type { DiffView, DriftChangeView, HookResultView, SyncStatusView } from './sources-port.js';

const errorCodes = Object.keys(errorCatalog) as [ErrorCode, ...ErrorCode[]];

const commitSchema = z.object({
  sha: z.string(),
  author: z.string(),
  email: z.string(),
  time: z.string().describe('ISO time of the commit'),
  subject: z.string().describe('the first line of the commit message'),
});

export const driftChangeSchema: z.ZodType<DriftChangeView> = z.object({
  service: z.string(),
  change: z.enum(['add', 'remove', 'update']),
  field: z.string().describe('e.g. `instances`, `env.LOG_LEVEL`, `release`'),
  applied: z.unknown().describe('the value applied now'),
  commit: z.unknown().describe('the value the commit gives'),
});

export const syncStatusSchema: z.ZodType<SyncStatusView> = z.object({
  environment: z.string(),
  repository: z.string(),
  branch: z.string(),
  path: z.string(),
  intervalMs: z.number().int(),
  drift: z.enum(['report', 'revert']),
  prune: z.boolean(),
  state: z.enum(['Synced', 'OutOfSync', 'Refused', 'Unreachable', 'Pending']),
  head: commitSchema.nullable().describe('the newest commit of the branch, as last fetched'),
  synced: z.object({ commit: z.string(), revision: z.number().int(), at: z.string() }).nullable().describe('the commit applied last and its revision'),
  error: z
    .object({
      code: z.enum(errorCodes),
      message: z.string(),
      hint: z.string().nullable(),
      commit: z.string().nullable(),
      details: z.array(errorDetailSchema),
    })
    .nullable()
    .describe('why the newest commit was not applied, or the repository could not be fetched'),
  changes: z.array(driftChangeSchema).describe('drift: what differs between the synced commit and what is applied'),
  lastFetchAt: z.string().nullable(),
});

export const syncStatusListSchema = z.array(syncStatusSchema);

export const diffSchema: z.ZodType<DiffView> = z.object({ status: syncStatusSchema, changes: z.array(driftChangeSchema) });

export const syncBodySchema = z
  .strictObject({
    force: z.boolean().optional().describe('take the newest commit even when the branch was rewritten (force-pushed)'),
  })
  .describe('a sync on request');

export const hookResultSchema: z.ZodType<HookResultView> = z.object({
  syncing: z.array(z.string()).describe('environments whose sync started'),
  ignored: z.array(z.string()).describe('environments the secret matched whose branch was not the one pushed'),
  pipelines: z.array(z.string()).describe('pipelines started by commits whose branch is fetched now, to run the pushed commits'),
  ignoredPipelines: z.array(z.string()).describe('pipelines the secret matched whose repository or branch was not the one pushed'),
});
