/** The bodies and answers of the rollout and parallel-run routes. */
import { z } from 'zod';
import type { ParallelView, RolloutView } from './rollout-port.js';
import { ignoredAuthorSchema } from './schemas.js';

const figuresSchema = z
  .object({
    requests: z.number(),
    errors: z.number(),
    errorRate: z.number().nullable(),
    p50: z.number().nullable(),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
  })
  .describe("a release's figures in the window: requests, errors (5xx and connection failures), latency percentiles in ms");

const checkSchema = z.object({
  metric: z.string().describe('errorRate, p99, p99/stable, latency mann-whitney'),
  outcome: z.enum(['pass', 'fail', 'inconclusive']),
  ok: z.boolean(),
  value: z.number().nullable().describe('the measured figure: a fraction, ms, a ratio or a p-value'),
  limit: z.number(),
  detail: z.string(),
});

const matchSchema = z.object({
  kind: z.enum(['header', 'cookie']),
  name: z.string(),
  value: z.string(),
  release: z.string().describe('the release matching requests go to'),
});

const releaseRefSchema = z.object({ release: z.string(), artifact: z.string().nullable(), configHash: z.string() });

export const rolloutViewSchema: z.ZodType<RolloutView> = z
  .object({
    id: z.number().int(),
    environment: z.string(),
    service: z.string(),
    strategy: z.enum(['recreate', 'rolling', 'blue-green', 'canary']),
    settings: z.record(z.string(), z.unknown()).describe("the strategy's settings as this rollout uses them"),
    stable: releaseRefSchema.describe('the release being replaced'),
    next: releaseRefSchema.describe('the release being rolled out'),
    active: z.boolean(),
    phase: z.enum(['progressing', 'paused', 'analysing', 'promoted', 'aborted', 'completed']),
    result: z.enum(['completed', 'aborted', 'superseded', 'cancelled']).nullable(),
    reason: z.string(),
    step: z.number().int().describe('index of the current step'),
    steps: z.array(
      z.object({
        index: z.number().int(),
        kind: z.string(),
        label: z.string(),
        state: z.enum(['done', 'current', 'pending', 'failed', 'skipped']),
      }),
    ),
    weights: z.record(z.string(), z.number()).nullable().describe('percent per release in force; null: spread over every ready instance'),
    matches: z.array(matchSchema),
    preview: matchSchema.nullable(),
    analyses: z.array(
      z.object({
        step: z.number().int(),
        name: z.string(),
        outcome: z.enum(['pass', 'fail', 'inconclusive']),
        reason: z.string(),
        since: z.string(),
        at: z.string(),
        minRequests: z.number(),
        canary: figuresSchema,
        stable: figuresSchema.nullable(),
        checks: z.array(checkSchema),
      }),
    ),
    requests: z.object({ paused: z.boolean(), promote: z.boolean(), abort: z.boolean() }),
    actions: z.array(z.object({ action: z.enum(['promote', 'pause', 'resume', 'abort', 'undo']), author: z.string(), at: z.string() })),
    trigger: z.string(),
    author: z.string(),
    startedAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .describe('a rollout: strategy, releases, phase, steps, weights, matches and analyses');

export const rolloutActionBodySchema = z.strictObject({ author: ignoredAuthorSchema }).default({});

export const parallelStartBodySchema = z
  .strictObject({
    release: z
      .string()
      .regex(/^v?[1-9]\d*$/, 'a release version such as v3')
      .optional()
      .describe('the candidate: a release of the service in this environment'),
    version: z.string().min(1).max(200).optional().describe('the candidate: an artifact (digest, unique prefix or `latest`), released with this environment’s config'),
    author: ignoredAuthorSchema,
  })
  .refine((body) => (body.release === undefined) !== (body.version === undefined), {
    message: 'give exactly one of release or version',
    path: ['release'],
  });

const differenceSchema = z.object({
  key: z.string().describe('status, header:<name>, body, body:<json path>'),
  candidateCount: z.number(),
  candidateRate: z.number(),
  noiseRate: z.number().nullable().describe('how often two trusted instances differed on this key'),
  samples: z.array(z.object({ path: z.string(), trusted: z.string(), candidate: z.string() })),
});

export const parallelViewSchema: z.ZodType<ParallelView> = z
  .object({
    environment: z.string(),
    service: z.string(),
    active: z.boolean(),
    candidate: z.string(),
    trusted: z.string(),
    author: z.string(),
    startedAt: z.string(),
    settings: z.object({
      percent: z.number(),
      methods: z.array(z.string()),
      compareHeaders: z.array(z.string()),
      ignoreFields: z.array(z.string()),
    }),
    compared: z.number(),
    matchRate: z.number().nullable(),
    routes: z.array(
      z.object({
        route: z.string(),
        candidateRelease: z.string(),
        mirrored: z.number(),
        compared: z.number(),
        matched: z.number(),
        matchRate: z.number().nullable(),
        noiseCompared: z.number(),
        dropped: z.number(),
        tooLarge: z.number(),
        endpoints: z.array(
          z.object({
            endpoint: z.string(),
            compared: z.number(),
            differing: z.number(),
            matchRate: z.number().nullable(),
            differences: z.array(differenceSchema).describe('real differences only: beyond what two trusted instances show'),
          }),
        ),
        noiseKeys: z.array(z.string()).describe('keys that differed no more than between trusted instances'),
      }),
    ),
    unreadRouters: z
      .array(z.object({ router: z.string(), reason: z.string() }))
      .describe("routers that did not answer (a cluster's router pods): the copies they compared are not in the figures"),
  })
  .describe('a parallel run and its report: match rate, real differences per endpoint with examples, noise filtered');
