/**
 * A preview environment: a short-lived copy of another environment's topology, made by
 * `skiff preview create` (not written by hand). It is an environment like any other in the
 * revision; `preview` says where it came from, when, and how long it may go without a deploy.
 */
import { z } from 'zod';
import { durationSchema, nameSchema } from './schema-values.js';

export const previewSchema = z
  .strictObject({
    from: nameSchema.describe('the environment it was copied from (a deployer there may delete it)'),
    createdAt: z.string().describe('when it was created (ISO time)'),
    ttl: durationSchema.optional().describe('deleted this long after its last deploy (or its creation), e.g. 2h; absent: kept until deleted'),
  })
  .describe('set by `skiff preview create`: this environment is a preview of another');

export type PreviewSpec = z.output<typeof previewSchema>;

/** The host a preview serves a route of its source on: `NAME.preview.<host>`. */
export function previewHost(preview: string, host: string): string {
  return `${preview}.preview.${host}`;
}
