/** The `trigger:` of a pipeline: start it on new commits of a git branch that touch given paths. */
import { z } from 'zod';
import { webhookSecretEnvSchema } from './schema-source.js';
import { durationSchema } from './schema-values.js';

/** Relative to the repository root and inside it: no leading `/`, no `..` segment, no space or backslash. */
const insideRepository = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\s\\]+$/;

/** `*` (within a folder), `**` (any depth) and `?`. */
const pathGlobSchema = z.string().min(1).regex(insideRepository, 'a path pattern relative to the repository root, such as catalog/** (no leading /, no ..)');

export const gitTriggerSchema = z
  .strictObject({
    repo: z.string().min(1).describe('the repository: a URL git can fetch (https://, ssh://, file://) or a path on this machine'),
    branch: z.string().min(1).regex(/^[^\s~^:?*[\\]+$/, 'a branch name').default('main').describe('the branch watched'),
    paths: z
      .array(pathGlobSchema)
      .min(1)
      .describe("patterns of the files that start a run (`catalog/**`); a commit runs the pipeline for each of its services whose folder holds a changed file that matches"),
    specDir: z
      .string()
      .min(1)
      .regex(insideRepository, 'a folder relative to the repository root (no leading /, no ..)')
      .default('.')
      .describe("the spec file's folder in the repository: the services' `path` is relative to it (default: the root)"),
    interval: durationSchema
      .refine((ms) => ms >= 1000, 'at least 1s')
      .default(30_000)
      .describe('how often the branch is fetched for new commits (a webhook fetches at once)'),
    webhookSecretEnv: webhookSecretEnvSchema.describe(
      'the environment variable of `skiff up` holding the webhook secret (GitHub/Gitea HMAC key, GitLab token): a push to the branch delivered to `POST /api/v1/hooks/git` starts the runs at once; without it the webhook refuses this pipeline',
    ),
  })
  .describe('watch a git branch: each new commit touching `paths` builds and runs the pipeline from exactly that commit');

export const triggerSchema = z.strictObject({ git: gitTriggerSchema }).describe('what starts the pipeline by itself');

export type GitTriggerSpec = z.output<typeof gitTriggerSchema>;
