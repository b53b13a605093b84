import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { callerOf } from '../access-control.js';
import type { PipelinePort, PipelineRunView, PipelineStageView } from '../pipeline-port.js';
import { defineRoute } from '../route.js';
import { ignoredAuthorSchema } from '../schemas.js';

const stageStates = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped'] as const;
const runStates = ['running', 'waiting', 'succeeded', 'failed'] as const;

const stageSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('build'), name: z.string() }),
  z.object({ kind: z.literal('deploy'), name: z.string(), environment: z.string() }),
  z.object({
    kind: z.literal('check'),
    name: z.string(),
    command: z.array(z.string()),
    environment: z.string(),
    timeoutMs: z.number(),
  }),
  z.object({ kind: z.literal('promote'), name: z.string(), from: z.string(), to: z.string() }),
  z.object({
    kind: z.literal('approval'),
    name: z.string(),
    role: z.enum(['deployer', 'admin']).optional().describe('the role the approver needs; absent: deployer'),
    distinctFrom: z.literal('starter').optional().describe('the approver must not be the person who started the run'),
  }),
]);

const stageSchema: z.ZodType<PipelineStageView> = z.object({
  name: z.string(),
  kind: z.enum(['build', 'deploy', 'check', 'promote', 'approval']),
  state: z.enum(stageStates),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  log: z.array(z.string()).describe('check output, deploy messages, why it failed'),
  approvedBy: z.string().nullable().describe('who approved (approval stages)'),
  approvedAt: z.string().nullable(),
  spec: stageSpecSchema.describe('the stage as the spec gave it when the run started'),
});

export const pipelineRunSchema: z.ZodType<PipelineRunView> = z
  .object({
    id: z.number().int(),
    pipeline: z.string(),
    service: z.string(),
    state: z.enum(runStates),
    author: z.string().describe('who started the run (the name of their token)'),
    artifact: z.string().nullable().describe('the digest this run built or deployed; later stages use exactly it'),
    reason: z.string().nullable().describe('why the run failed'),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    stages: z.array(stageSchema),
    commit: z
      .object({
        sha: z.string().describe('the full commit id'),
        author: z.string(),
        email: z.string(),
        subject: z.string().describe("the first line of the commit's message"),
        baseDir: z.string().describe("the spec file's folder in the commit's clean tree on the server, where the run built from"),
      })
      .optional()
      .describe('the git commit that started the run (a pipeline with `trigger: git`); absent for runs a person started'),
  })
  .describe('a pipeline run and the state of each stage');

const startBodySchema = z.strictObject({
  service: z.string().min(1).describe('the service to run the pipeline for'),
  pipeline: z.string().min(1).optional().describe('the pipeline; default the only one covering the service'),
  author: ignoredAuthorSchema,
});
const listQuerySchema = z.strictObject({
  service: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
const runParamsSchema = z.strictObject({ id: z.coerce.number().int().min(1).describe('the run id') });
const stageParamsSchema = z.strictObject({ ...runParamsSchema.shape, stage: z.string().min(1) });
const approveBodySchema = z.strictObject({ author: ignoredAuthorSchema }).default({});

export function pipelineRoutes(pipelines: PipelinePort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/pipelines/runs',
      tag: 'pipelines',
      summary: 'Start a run of the pipeline covering a service; answers at once, progress is on the event stream',
      status: 201,
      // The runner checks the environments the stages before the first approval deploy to.
      access: { action: 'deploy', environment: 'any' },
      body: startBodySchema,
      response: pipelineRunSchema,
      audit: ({ body }) => `start ${body?.pipeline ?? 'the pipeline'} for ${body?.service ?? '?'}`,
      handler: (request) =>
        pipelines.start({
          service: request.body.service,
          ...(request.body.pipeline === undefined ? {} : { pipeline: request.body.pipeline }),
          by: callerOf(request),
        }),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/pipelines/runs',
      tag: 'pipelines',
      summary: 'Pipeline runs, newest first',
      querystring: listQuerySchema,
      response: z.array(pipelineRunSchema),
      handler: (request) =>
        [...pipelines.list({ limit: request.query.limit, ...(request.query.service === undefined ? {} : { service: request.query.service }) })],
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/pipelines/runs/:id',
      tag: 'pipelines',
      summary: "One pipeline run: each stage's state, times and log",
      params: runParamsSchema,
      response: pipelineRunSchema,
      handler: (request) => pipelines.get(request.params.id),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/pipelines/runs/:id/stages/:stage/approve',
      tag: 'pipelines',
      summary: 'Approve a stage that waits for an approval; the run goes on',
      // The runner checks the stage's role, distinctFrom and the environments the next stages deploy to.
      access: { action: 'deploy', environment: 'any' },
      params: stageParamsSchema,
      body: approveBodySchema,
      response: pipelineRunSchema,
      audit: ({ params }) => `approve ${params?.stage} of pipeline run ${params?.id}`,
      handler: (request) => pipelines.approve({ id: request.params.id, stage: request.params.stage, by: callerOf(request) }),
    });
  };
}
