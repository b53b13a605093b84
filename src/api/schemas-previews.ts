/** The API contract of preview environments. */
import { z } from 'zod';
import { nameSchema } from '../spec/schema-values.js';
import type { PreviewView } from './preview-port.js';

export const createPreviewBodySchema = z
  .strictObject({
    name: z.string().min(1).describe('the preview environment\'s name (lowercase letters, digits, dashes)'),
    from: nameSchema.describe('the environment to copy: its topology and the releases it runs now'),
    instances: z.number().int().optional().describe('instances of every service (default 1, at most 10)'),
    ttl: z.string().min(1).optional().describe('delete it this long after its last deploy, e.g. 2h'),
    branch: z.string().min(1).optional().describe("deploy the build of this git branch's head, from the repository of the source's `source:` or of a pipeline's git trigger; a push to it redeploys"),
  })
  .describe('a preview environment to create');

export const previewParamsSchema = z.strictObject({ name: z.string().min(1) });

export const previewViewSchema: z.ZodType<PreviewView> = z
  .object({
    name: z.string(),
    from: z.string(),
    branch: z.string().nullable().describe('the git branch it deploys; null: what `from` ran when it was made'),
    commit: z.string().nullable().describe('the branch head it last deployed'),
    automatic: z.boolean().describe("made by the source's `previews:` for a branch, deleted with it"),
    createdAt: z.string(),
    ttlMs: z.number().nullable(),
    lastDeployAt: z.string(),
    expiresAt: z.string().nullable(),
    routerUrl: z.string().describe('its own router: the source\'s routes, a route for a host on NAME.preview.<host>'),
    services: z.record(z.string(), z.string()).describe('the release each service runs'),
  })
  .describe('a preview environment') as unknown as z.ZodType<PreviewView>;
