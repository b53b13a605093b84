/**
 * A preview environment: a short-lived copy of another environment's topology, made by
 * `skiff preview create` (not written by hand). It is an environment like any other in the
 * revision; `preview` says where it came from, when, and how long it may go without a deploy.
 */
import { z } from 'zod';
import { durationSchema, isRecordLike, nameSchema } from './schema-values.js';
import type { SpecIssueParams } from './schema-values.js';

export const previewSchema = z
  .strictObject({
    from: nameSchema.describe('the environment it was copied from (a deployer there may delete it)'),
    createdAt: z.string().describe('when it was created (ISO time)'),
    ttl: durationSchema.optional().describe('deleted this long after its last deploy (or its creation), e.g. 2h; absent: kept until deleted'),
    branch: z.string().min(1).optional().describe('the git branch it deploys the build of; a push to it redeploys the preview'),
    automatic: z.boolean().optional().describe("made by the source's `previews:` for a new branch, and deleted when the branch is"),
  })
  .describe('set by `skiff preview create`: this environment is a preview of another');

export type PreviewSpec = z.output<typeof previewSchema>;

/** The host a preview serves a route of its source on: `NAME.preview.<host>`. */
export function previewHost(preview: string, host: string): string {
  return `${preview}.preview.${host}`;
}

/** A branch name git accepts, and a glob of them (`feature/*`): no spaces, `~`, `^`, `:`, `\\`. */
const branchGlobSchema = z.string().min(1).regex(/^[^\s~^:\\]+$/, 'a branch name or pattern such as feature/*');

/**
 * `previews:` of an environment that follows a git repository: every branch of the repository
 * matching `branches` gets a preview of the environment, deploying that branch's build, deleted
 * when the branch is.
 */
export const previewPolicySchema = z
  .strictObject({
    branches: branchGlobSchema.describe('the branches that get a preview: `*` within one path segment, `**` any depth (`feature/*`)'),
    ttl: durationSchema.optional().describe('each preview is deleted this long after its last deploy, e.g. 24h (absent: when its branch is deleted)'),
    instances: z.number().int().min(1).max(10).default(1).describe('instances of every service in each preview (1 to 10)'),
  })
  .describe("automatic previews: a preview of this environment for each branch of its `source:` repository matching `branches`");

export type PreviewPolicy = z.output<typeof previewPolicySchema>;

/** `previews:` takes its branches from the environment's `source:` repository: without one it has none. */
export function checkPreviewPolicy(raw: unknown, ctx: z.RefinementCtx): void {
  if (!isRecordLike(raw) || raw.previews === undefined || raw.source !== undefined) return;
  ctx.addIssue({
    code: 'custom',
    path: ['previews'],
    message: 'previews need a `source:`: the git repository whose branches get previews',
    params: { hint: 'add `source: { git: URL, branch: main }` to this environment, or remove `previews`' } satisfies SpecIssueParams,
  });
}
