/**
 * The API contract: one zod schema per request and response body. Fastify validates requests with
 * them and the OpenAPI document is generated from them. Response schemas are typed against the
 * control-plane types so the two cannot drift apart without a compile error.
 */
import { z } from 'zod';
import { maxSecretValueLength, secretNamePattern } from './secret-rules.js';
import { errorCatalog, type ErrorCode, type ErrorDetail, type SkiffError } from '../core/errors.js';
import type {
  ApplyResult,
  ArtifactSummary,
  EventRecord,
  InstanceStatus,
  LogLine,
  PlanChange,
  PlanResult,
  ReleaseSummary,
  RestoreResult,
  RevisionSummary,
  SecretChange,
  SecretInfo,
  ServiceRollout,
  ServiceStatus,
  StatusReport,
  ValidationResult,
} from './control-plane.js';
import { parseRestoreTarget } from './restore-target.js';

const errorCodes = Object.keys(errorCatalog) as [ErrorCode, ...ErrorCode[]];

export const errorDetailSchema: z.ZodType<ErrorDetail> = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  path: z.string().optional().describe('field path such as `services.catalog.instances`'),
  position: z.object({ file: z.string(), line: z.number().int(), column: z.number().int() }).optional(),
  hint: z.string().optional(),
});

export type ErrorBody = ReturnType<SkiffError['toJSON']>;

export const errorBodySchema: z.ZodType<ErrorBody> = z
  .object({
    code: z.enum(errorCodes).describe('stable error code, e.g. SKIFF_UNKNOWN_SERVICE'),
    message: z.string(),
    hint: z.string().optional(),
    path: z.string().optional().describe('the request field at fault, e.g. `body.instances`'),
    details: z.array(errorDetailSchema).optional(),
  })
  .describe('every error answer has this shape');

// Requests

export const specSourceSchema = z.strictObject({
  text: z.string().describe('the YAML text of the spec'),
  file: z.string().min(1).describe('the file name the text came from, used in error positions'),
  baseDir: z.string().min(1).describe('directory service paths are relative to (on the machine running Skiff)'),
});

/** Older clients send who acts; the token's name is what is recorded, so the field is accepted and ignored. */
export const ignoredAuthorSchema = z
  .string()
  .max(200)
  .optional()
  .describe("ignored (accepted from older clients): the token's name is recorded as the author");

export const applyBodySchema = z.strictObject({
  ...specSourceSchema.shape,
  author: ignoredAuthorSchema,
  message: z.string().max(2000).optional().describe('why, saved with the revision'),
});

export const environmentParamsSchema = z.strictObject({ env: z.string().min(1) });
export const serviceParamsSchema = z.strictObject({ env: z.string().min(1), service: z.string().min(1) });

export const serviceOnlyParamsSchema = z.strictObject({ service: z.string().min(1) });


// Build and rollback need nothing, so a POST without a body is fine.
export const buildBodySchema = z.strictObject({ author: ignoredAuthorSchema }).default({});

/** `skiff deploy --strategy TYPE`: the rollout of this release only, instead of the service's strategy. */
export const strategyOverrideSchema = z
  .enum(['recreate', 'rolling', 'blue-green', 'canary'])
  .optional()
  .describe("roll this release out with this strategy instead of the service's (its settings when the type is the same, the defaults otherwise)");

export const deployBodySchema = z.strictObject({
  version: z.string().min(1).max(200).describe('an artifact digest (sha256:…), a unique prefix of its hex, or `latest`'),
  strategy: strategyOverrideSchema,
  author: ignoredAuthorSchema,
});

const releaseVersionSchema = z.string().regex(/^v[1-9]\d*$/, 'a release version such as v2');

export const rollbackBodySchema = z
  .strictObject({
    to: releaseVersionSchema.optional().describe('the release to go back to, e.g. v2; default: the one before the current'),
    strategy: strategyOverrideSchema,
    author: ignoredAuthorSchema,
  })
  .default({});

export const promoteBodySchema = z.strictObject({
  from: z.string().min(1).describe('the environment whose running artifact is deployed'),
  to: z.string().min(1).describe('the environment that receives it'),
  strategy: strategyOverrideSchema,
  author: ignoredAuthorSchema,
});

export const scaleBodySchema = z.strictObject({
  instances: z.number().int().min(0).max(1000).describe('desired number of instances'),
  author: ignoredAuthorSchema,
});

const queryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const queryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

export const logsQuerySchema = z.strictObject({
  tail: queryInt(0, 100_000).optional().describe('at most this many lines, the newest, all instances merged in time order'),
  instance: z.string().min(1).optional().describe('only this instance'),
  release: z.string().min(1).optional().describe('only instances of this release, e.g. v3'),
  sinceMs: queryInt(0, 365 * 24 * 3_600_000).optional().describe('only lines from the last this-many milliseconds'),
  grep: z.string().min(1).optional().describe('only lines containing this text'),
  follow: queryBool.optional().describe('keep the response open and stream new lines'),
});

export const eventsQuerySchema = z.strictObject({
  environment: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  type: z.string().min(1).optional().describe('event type such as instance.crashed'),
  afterId: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('only events with a larger id'),
  limit: queryInt(1, 10_000).optional(),
});

export const eventStreamQuerySchema = z.strictObject({
  afterId: queryInt(0, Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('first replay stored events with a larger id (the Last-Event-ID header does the same)'),
});

export const revisionsQuerySchema = z.strictObject({
  limit: queryInt(1, 10_000).optional(),
  environment: z.string().min(1).optional().describe('only the revisions that changed this environment'),
});

const secretNameSchema = z.string().regex(secretNamePattern, 'a secret name is letters, digits and _, not starting with a digit');
export const secretParamsSchema = z.strictObject({ ...serviceParamsSchema.shape, name: secretNameSchema });

// The values are never echoed: zod messages name the field path and the rule, not the input.
export const setSecretsBodySchema = z.strictObject({
  values: z
    .record(secretNameSchema, z.string().max(maxSecretValueLength))
    .refine((values) => Object.keys(values).length > 0, 'give at least one secret')
    .describe('NAME: value; stored encrypted and never returned'),
  author: ignoredAuthorSchema,
});

export const unsetSecretQuerySchema = z.strictObject({ author: ignoredAuthorSchema });

export const restoreBodySchema = z.strictObject({
  to: z
    .string()
    .max(100)
    .transform((text, ctx) => {
      const parsed = parseRestoreTarget(text);
      if (parsed.ok) return parsed.canonical;
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    })
    .describe('a revision id (`12`) or an ISO 8601 time with its zone (`2026-11-26T10:00:00Z`): the last revision at or before it'),
  author: ignoredAuthorSchema,
});

// Responses

export const healthSchema = z.object({ ok: z.literal(true), version: z.string() });

export const revisionSummarySchema: z.ZodType<RevisionSummary> = z.object({
  id: z.number().int(),
  hash: z.string(),
  author: z.string(),
  message: z.string(),
  createdAt: z.string().describe('ISO time'),
  commit: z.string().nullable().optional().describe('the git commit the revision was synced from, else null'),
});

export const validationResultSchema: z.ZodType<ValidationResult> = z.union([
  z.object({ valid: z.literal(true), services: z.array(z.string()), environments: z.array(z.string()) }),
  z.object({ valid: z.literal(false), errors: z.array(errorDetailSchema) }),
]);

export const applyResultSchema: z.ZodType<ApplyResult> = z.object({
  revision: revisionSummarySchema,
  changed: z.boolean().describe('false when the spec was identical to the current revision'),
  environments: z.array(z.string()),
  built: z
    .array(z.object({ service: z.string(), environment: z.string(), digest: z.string() }))
    .optional()
    .describe("services built from their source for an environment whose provider runs built artifacts only (kubernetes); each new release records the artifact"),
});

export const environmentNamesSchema = z.array(z.string());

const instanceStatusSchema: z.ZodType<InstanceStatus> = z.object({
  id: z.string(),
  service: z.string(),
  environment: z.string(),
  release: z.string(),
  state: z.enum(['starting', 'ready', 'unhealthy', 'stopping', 'crashed']),
  address: z.string().nullable().describe('host:port where the data plane reaches the instance'),
  pid: z.number().int().nullable().describe('the process id, where the instance is a process or container on this machine'),
  port: z.number().int().nullable(),
  node: z.string().nullable().optional().describe('the machine it runs on, where that is not this one (a Kubernetes node)'),
  restarts: z.number().int(),
  startedAt: z.string().nullable(),
  reason: z.string().nullable(),
});

const serviceRolloutSchema: z.ZodType<ServiceRollout> = z
  .object({
    id: z.number().int(),
    strategy: z.enum(['recreate', 'rolling', 'blue-green', 'canary']),
    active: z.boolean(),
    phase: z.enum(['progressing', 'paused', 'analysing', 'promoted', 'aborted', 'completed']),
    result: z.enum(['completed', 'aborted', 'superseded', 'cancelled']).nullable(),
    stable: z.string().describe('the release replaced'),
    next: z.string().describe('the release rolled out'),
    step: z.number().int().describe('the current step, from 1'),
    steps: z.number().int(),
    stepLabel: z.string(),
    weights: z.record(z.string(), z.number()).nullable().describe('percent per release in force; null: spread over every ready instance'),
    waitsFor: z.enum(['promote', 'resume']).nullable().describe('what a person must do for it to go on: skiff rollout promote|resume'),
    reason: z.string(),
    author: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .describe("a service's rollout in brief");

const serviceStatusSchema: z.ZodType<ServiceStatus> = z.object({
  name: z.string(),
  environment: z.string(),
  release: z.string(),
  desired: z.number().int(),
  ready: z.number().int(),
  routes: z.array(z.object({ host: z.string().nullable(), path: z.string() })),
  rollout: serviceRolloutSchema.nullable().describe('the rollout under way, else the last one; null when the service has had none here'),
  autoscale: z
    .object({
      min: z.number().int(),
      max: z.number().int(),
      measure: z.enum(['concurrency', 'rps', 'cpu']),
      target: z.number(),
      observed: z.number().nullable().describe('the stable window\'s demand per ready instance'),
      mode: z.enum(['stable', 'panic']),
      desired: z.number().int(),
      scaledToZero: z.boolean(),
    })
    .nullable()
    .describe('its autoscaling; null for a fixed count'),
});

export const statusReportSchema: z.ZodType<StatusReport> = z.object({
  environment: z.string(),
  revision: revisionSummarySchema.nullable(),
  routerUrl: z.string(),
  limits: z.object({ enforced: z.boolean(), reason: z.string().nullable() }),
  functionPool: z
    .object({ size: z.number().int(), warm: z.number().int(), memoryBytes: z.number().int() })
    .nullable()
    .optional()
    .describe("this machine's warm pool of function runtimes; null when the environment runs no function"),
  services: z.array(serviceStatusSchema),
  instances: z.array(instanceStatusSchema),
  unavailable: z
    .object({ code: z.string(), message: z.string(), hint: z.string().nullable(), since: z.string() })
    .nullable()
    .optional()
    .describe("why the environment does not run although it should (its provider could not start); it is tried again meanwhile"),
  traceUi: z
    .string()
    .nullable()
    .optional()
    .describe("the trace viewer URL with {traceId} (the spec's tracing.ui): the dashboard links log lines with a trace id to it"),
  sync: z
    .object({ state: z.string(), commit: z.string().nullable(), head: z.string().nullable(), error: z.string().nullable() })
    .nullable()
    .optional()
    .describe('the environment follows a git repository: its sync state (Synced, OutOfSync, Refused, Unreachable, Pending), the commit applied, the newest commit, why it was refused'),
});

export const logLineSchema: z.ZodType<LogLine> = z.object({
  time: z.string(),
  instance: z.string(),
  release: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  line: z.string(),
});

export const eventRecordSchema: z.ZodType<EventRecord> = z.object({
  id: z.number().int(),
  time: z.string(),
  type: z.string(),
  environment: z.string().nullable(),
  service: z.string().nullable(),
  instance: z.string().nullable(),
  actor: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const eventListSchema = z.array(eventRecordSchema);
export const revisionListSchema = z.array(revisionSummarySchema);

export const artifactSummarySchema: z.ZodType<ArtifactSummary> = z.object({
  digest: z.string().describe('sha256:… of the stored archive'),
  service: z.string(),
  size: z.number().int().describe('bytes of the stored archive'),
  createdAt: z.string().describe('ISO time'),
  sourceCommit: z.string().nullable().describe('git commit of the build context, when it was a git work tree'),
});

export const releaseSummarySchema: z.ZodType<ReleaseSummary> = z.object({
  environment: z.string(),
  service: z.string(),
  version: z.string().describe('v1, v2, …'),
  artifact: z.string().nullable().describe('sha256:…; null when the release runs from its source directory'),
  configHash: z.string(),
  author: z.string(),
  reason: z.string().describe('why it was made: source, deploy, config, promote, rollback, restore'),
  createdAt: z.string().describe('ISO time'),
  current: z.boolean().describe('whether the environment runs this release now'),
  commit: z.string().nullable().optional().describe('the git commit whose sync made the release, else null'),
  unchanged: z.boolean().optional().describe('true when the environment already ran this artifact with this config: no release was made, this is the running one'),
});

export const artifactListSchema = z.array(artifactSummarySchema);
export const releaseListSchema = z.array(releaseSummarySchema);

export const secretInfoSchema: z.ZodType<SecretInfo> = z.object({
  name: z.string(),
  version: z.number().int().describe('1 for the first value, +1 on every change'),
  updatedAt: z.string().describe('ISO time'),
  author: z.string(),
});

export const secretListSchema = z.array(secretInfoSchema).describe('names and versions only: values are never returned');

export const secretChangeSchema: z.ZodType<SecretChange> = z.object({
  secrets: z.array(secretInfoSchema).describe("the service's secrets after the change"),
  release: releaseSummarySchema.nullable().describe('the new release that uses them, when the service runs in that environment'),
  warnings: z
    .array(z.string())
    .optional()
    .describe('secrets that logs will not redact because they are too short or too plain to tell from ordinary text'),
});

const planChangeSchema: z.ZodType<PlanChange> = z.object({
  environment: z.string(),
  service: z.string(),
  change: z.enum(['add', 'remove', 'update']),
  fields: z.array(
    z.object({
      field: z.string().describe('e.g. `instances`, `env.LOG_LEVEL`'),
      from: z.unknown().describe('absent when the field is new'),
      to: z.unknown().describe('absent when the field is removed'),
    }),
  ),
  newRelease: z.boolean().describe('whether applying replaces the instances with a new release'),
});

export const planResultSchema: z.ZodType<PlanResult> = z.union([
  z.object({ valid: z.literal(true), changes: z.array(planChangeSchema) }),
  z.object({ valid: z.literal(false), errors: z.array(errorDetailSchema) }),
]);

export const restoreResultSchema: z.ZodType<RestoreResult> = z.object({
  revision: revisionSummarySchema.describe('the new revision'),
  restored: revisionSummarySchema.describe('the revision whose releases and config were brought back'),
  releases: z.array(releaseSummarySchema).describe('the releases made to bring them back'),
});

export const stopAcceptedSchema = z.object({ stopping: z.literal(true) });
