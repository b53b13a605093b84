/** The `source:` of an environment: the git repository whose spec file it follows (GitOps). */
import { z } from 'zod';
import { durationSchema } from './schema-values.js';

export const driftPolicySchema = z
  .enum(['report', 'revert'])
  .describe('what a difference between the commit and what is applied does: `report` (OutOfSync in status, an event) or `revert` (applied back to the commit at the next sync)');

/** The name of `skiff up`'s environment variable holding a push webhook's secret. */
export const webhookSecretEnvSchema = z.string().regex(/^SKIFF_WEBHOOK_[A-Z0-9_]+$/, 'an environment variable name starting with SKIFF_WEBHOOK_').optional();

export const sourceSchema = z
  .strictObject({
    git: z.string().min(1).describe('the repository: a URL git can fetch (https://, ssh://, file://) or a path on this machine'),
    branch: z.string().min(1).regex(/^[^\s~^:?*[\\]+$/, 'a branch name').default('main').describe('the branch followed'),
    path: z.string().min(1).default('skiff.yaml').describe('the spec file in the repository, relative to its root'),
    interval: durationSchema.default(30_000).describe('how often the repository is fetched (a webhook syncs at once)'),
    drift: driftPolicySchema.default('report'),
    prune: z.boolean().default(false).describe('remove the services the file no longer has (off: they are kept as they are)'),
    allowEmpty: z.boolean().default(false).describe('with `prune: true`, accept a commit whose file has no service at all (off: such a commit is refused)'),
    webhookSecretEnv: webhookSecretEnvSchema.describe(
      'the environment variable of `skiff up` holding the webhook secret (GitHub/Gitea HMAC key, GitLab token) for `POST /api/v1/hooks/git`; without it the webhook refuses this source',
    ),
  })
  .describe('follow a git repository: each new commit of `branch` whose file at `path` is valid becomes a revision');

export type SourceSpec = z.output<typeof sourceSchema>;
export type DriftPolicy = z.output<typeof driftPolicySchema>;
