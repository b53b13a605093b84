/** Pipelines: ordered stages (build, deploy, checks, approvals, promotion) for services. */
import { z } from 'zod';
import { commandSchema, durationSchema, isRecordLike, nameSchema } from './schema-values.js';
import type { SpecIssueParams } from './schema-values.js';
import { triggerSchema } from './schema-trigger.js';
import type { GitTriggerSpec } from './schema-trigger.js';

/** How long a deploy or promote stage follows its rollout unless the pipeline says otherwise. */
export const defaultRolloutTimeoutMs = 60_000;

const checkStageSchema = z
  .strictObject({
    name: nameSchema.describe('the stage name, used in logs'),
    command: commandSchema.describe('run in the spec file directory, no shell; exit code 0 passes'),
    environment: nameSchema.describe('the environment whose router URL the check gets as SKIFF_ROUTER_URL'),
    timeout: durationSchema.default(60_000).describe('a check still running after this fails'),
  })
  .describe('a check: a command run against a deployed environment');

const promoteStageSchema = z
  .strictObject({
    from: nameSchema.describe('the environment whose running artifact is promoted'),
    to: nameSchema.describe('the environment that receives it'),
  })
  .describe('promote: deploy to `to` exactly the artifact `from` runs');

const approvalStageSchema = z
  .strictObject({
    name: nameSchema.describe('the stage name people approve: skiff approve RUN_ID NAME'),
    role: z
      .enum(['deployer', 'admin'])
      .optional()
      .describe('the role the approver needs (default deployer; a deployer also needs the environments the next stages deploy to)'),
    distinctFrom: z
      .literal('starter')
      .optional()
      .describe('`starter`: the approver must be another person than the one who started the run'),
  })
  .describe('a manual approval');

/** The object form of a stage: exactly one of its keys. */
const stageObjectSchema = z
  .strictObject({
    deploy: nameSchema.optional().describe('deploy the artifact to this environment and wait until it is ready'),
    check: checkStageSchema.optional(),
    promote: promoteStageSchema.optional(),
    approval: approvalStageSchema.optional(),
  })
  .superRefine((stage, ctx) => {
    const keys = Object.keys(stage).filter((key) => (stage as Record<string, unknown>)[key] !== undefined);
    if (keys.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: keys.length === 0 ? 'a stage needs one of build, deploy, check, promote, approval' : `a stage has one kind, got ${keys.join(' and ')}`,
        params: { hint: 'write each stage as its own list item: `- deploy: dev`' } satisfies SpecIssueParams,
      });
    }
  });

export type PipelineStageSpec =
  | { readonly kind: 'build'; readonly name: string }
  /** `timeoutMs`: how long the stage follows its rollout; absent in runs saved before it existed. */
  | { readonly kind: 'deploy'; readonly name: string; readonly environment: string; readonly timeoutMs?: number }
  | {
      readonly kind: 'check';
      readonly name: string;
      readonly command: readonly string[];
      readonly environment: string;
      readonly timeoutMs: number;
    }
  | { readonly kind: 'promote'; readonly name: string; readonly from: string; readonly to: string; readonly timeoutMs?: number }
  | {
      readonly kind: 'approval';
      readonly name: string;
      /** Absent: deployer. */
      readonly role?: 'deployer' | 'admin';
      readonly distinctFrom?: 'starter';
    };

// The object branch comes first: a string stage is then reported against `build`, an object against its keys.
export const pipelineStageSchema = z
  .union([stageObjectSchema, z.literal('build')])
  .transform((stage): PipelineStageSpec => {
    if (stage === 'build') return { kind: 'build', name: 'build' };
    if (stage.deploy !== undefined) return { kind: 'deploy', name: `deploy-${stage.deploy}`, environment: stage.deploy };
    if (stage.check !== undefined) {
      const { name, command, environment, timeout } = stage.check;
      return { kind: 'check', name, command, environment, timeoutMs: timeout };
    }
    if (stage.promote !== undefined) {
      return { kind: 'promote', name: `promote-${stage.promote.to}`, from: stage.promote.from, to: stage.promote.to };
    }
    const { name, role, distinctFrom } = stage.approval as NonNullable<typeof stage.approval>;
    return { kind: 'approval', name, ...(role === undefined ? {} : { role }), ...(distinctFrom === undefined ? {} : { distinctFrom }) };
  })
  .describe('a stage: `build`, `deploy: ENV`, `check: {...}`, `promote: {from, to}` or `approval: {name, role?, distinctFrom?}`');

export const pipelineSchema = z
  .strictObject({
    services: z.array(nameSchema).min(1).optional().describe('the services this pipeline runs for (default: every service)'),
    stages: z.array(pipelineStageSchema).min(1).describe('the stages, in order'),
    rolloutTimeout: durationSchema
      .default(defaultRolloutTimeoutMs)
      .describe("how long a deploy or promote stage follows its rollout before it fails (a canary's pauses and analyses count)"),
    trigger: triggerSchema.optional(),
  })
  .superRefine((pipeline, ctx) => {
    const seen = new Set<string>();
    pipeline.stages.forEach((stage, index) => {
      if (seen.has(stage.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', index],
          message: `two stages are named "${stage.name}"`,
          params: { hint: 'stage names must be unique in a pipeline: rename the check or approval' } satisfies SpecIssueParams,
        });
      }
      seen.add(stage.name);
    });
    if (pipeline.trigger && !pipeline.stages.some((stage) => stage.kind === 'build')) {
      ctx.addIssue({
        code: 'custom',
        path: ['trigger'],
        message: 'a pipeline started by commits needs a `build` stage: its runs build the commit',
        params: { hint: 'add `- build` as the first stage' } satisfies SpecIssueParams,
      });
    }
  })
  .transform(
    ({ rolloutTimeout, ...pipeline }): {
      readonly services?: string[] | undefined;
      readonly stages: PipelineStageSpec[];
      readonly trigger?: { readonly git: GitTriggerSpec } | undefined;
    } => ({
    ...pipeline,
      stages: pipeline.stages.map((stage) => (stage.kind === 'deploy' || stage.kind === 'promote' ? { ...stage, timeoutMs: rolloutTimeout } : stage)),
    }),
  )
  .describe('a pipeline: ordered stages for its services');

/** Pipelines name services and environments of the same file: checked once the file parses. */
export function checkPipelineReferences(spec: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const { services, environments, pipelines } = spec;
  if (!isRecordLike(services) || !isRecordLike(environments) || !isRecordLike(pipelines)) return;
  const knownEnvironments = Object.keys(environments);
  for (const [name, pipeline] of Object.entries(pipelines)) {
    if (!isRecordLike(pipeline)) continue;
    if (Array.isArray(pipeline.services)) {
      pipeline.services.forEach((service: unknown, index) => {
        if (typeof service === 'string' && !Object.hasOwn(services, service)) {
          ctx.addIssue({
            code: 'custom',
            path: ['pipelines', name, 'services', index],
            message: `pipeline "${name}" names unknown service "${service}"`,
            params: { hint: `services: ${Object.keys(services).join(', ')}` } satisfies SpecIssueParams,
          });
        }
      });
    }
    if (!Array.isArray(pipeline.stages)) continue;
    pipeline.stages.forEach((stage: unknown, index) => {
      if (!isRecordLike(stage)) return;
      const check = isRecordLike(stage.check) ? stage.check : {};
      const promote = isRecordLike(stage.promote) ? stage.promote : {};
      // Stages that parsed are already in their typed form; others are still as written.
      const kind = stage.kind;
      const named: [string, unknown][] = [
        ['deploy', kind === 'deploy' ? stage.environment : stage.deploy],
        ['check.environment', kind === 'check' ? stage.environment : check.environment],
        ['promote.from', kind === 'promote' ? stage.from : promote.from],
        ['promote.to', kind === 'promote' ? stage.to : promote.to],
      ];
      for (const [key, environment] of named) {
        if (typeof environment === 'string' && !knownEnvironments.includes(environment)) {
          ctx.addIssue({
            code: 'custom',
            path: ['pipelines', name, 'stages', index, ...key.split('.')],
            message: `unknown environment "${environment}"`,
            params: { hint: `environments: ${knownEnvironments.join(', ')}` } satisfies SpecIssueParams,
          });
        }
      }
    });
  }
}
