/**
 * The schema of `skiff.yaml`: one zod schema gives the domain types, the validation with field
 * paths, and the JSON schema for the API and the docs.
 */
import { checkPreviewPolicy, previewPolicySchema, previewSchema } from './schema-preview.js';
import { z } from 'zod';
import { alertRuleSchema, checkAlertReferences, notifierSchema } from './schema-alerts.js';
import { checkPipelineReferences, pipelineSchema, pipelineStageSchema } from './schema-pipeline.js';
import type { PipelineStageSpec } from './schema-pipeline.js';
import { autoscaleSchema, autoscaleTargetSchema, checkInstancesWithAutoscale } from './schema-autoscale.js';
import type { AutoscaleSpec, AutoscaleTarget } from './schema-autoscale.js';
import { defaultParallel, parallelSchema } from './schema-parallel.js';
import type { ParallelSpec } from './schema-parallel.js';
import { releaseCommandSchema } from './schema-release.js';
import { balanceSchema, routeSchema } from './schema-route.js';
import { routerSchema } from './schema-router.js';
import { checkFlagOverrides, flagKeySchema, flagOverrideSchema, flagSchema } from './schema-flags.js';
import type { FlagOverride, FlagSpec, FlagState } from './schema-flags.js';
import { checkFunctionFields, functionFields } from './schema-function.js';
import type { FunctionSettings } from './schema-function.js';
import { checkKubernetesEnvironment, kubernetesSchema, registrySchema } from './schema-kubernetes.js';
import { tracingSchema } from './schema-tracing.js';
import type { TracingSpec } from './schema-tracing.js';
import type { KubernetesSpec } from './schema-kubernetes.js';
import { volumesSchema } from './schema-volumes.js';
import { sourceSchema } from './schema-source.js';
import type { SourceSpec } from './schema-source.js';
import type { GitTriggerSpec } from './schema-trigger.js';
import { checkJobReferences, jobsSchema } from './schema-jobs.js';
import type { JobSpec } from './schema-jobs.js';
import type { VolumeMount, VolumeSpec } from './schema-volumes.js';
import {
  analysisCheckSchema,
  analysisSchema,
  blueGreenStrategySchema,
  canaryStepSchema,
  canaryStrategySchema,
  checkAnalysisReferences,
  countOrPercentSchema,
  defaultAnalysis,
  defaultStrategy,
  recreateStrategySchema,
  rollingStrategySchema,
  strategySchema,
  trafficMatchSchema,
} from './schema-strategy.js';
import type { AnalysisCheckSpec, CanaryStepSpec, CountOrPercent, LatencyPercentile, TrafficMatch } from './schema-strategy.js';
import {
  byteSizeSchema,
  commandSchema,
  durationSchema,
  envValueSchema,
  isRecordLike,
  nameSchema,
} from './schema-values.js';
import type { SpecIssueParams } from './schema-values.js';
import { checkRouteTls } from './schema-tls.js';

export {
  alertRuleSchema,
  analysisCheckSchema,
  analysisSchema,
  autoscaleSchema,
  autoscaleTargetSchema,
  balanceSchema,
  blueGreenStrategySchema,
  byteSizeSchema,
  canaryStepSchema,
  canaryStrategySchema,
  commandSchema,
  countOrPercentSchema,
  defaultAnalysis,
  defaultParallel,
  defaultStrategy,
  durationSchema,
  kubernetesSchema,
  nameSchema,
  notifierSchema,
  parallelSchema,
  pipelineSchema,
  pipelineStageSchema,
  recreateStrategySchema,
  registrySchema,
  rollingStrategySchema,
  routeSchema,
  strategySchema,
  trafficMatchSchema,
  tracingSchema,
};
export type { FunctionSettings, GitTriggerSpec, JobSpec, SourceSpec, TracingSpec, VolumeMount, VolumeSpec };
export { sourceSchema };
export { volumesSchema };
export type { FlagOverride, FlagSpec, FlagState };
export type { AnalysisCheckSpec, AutoscaleSpec, AutoscaleTarget, CanaryStepSpec, CountOrPercent, KubernetesSpec, LatencyPercentile, ParallelSpec, PipelineStageSpec, SpecIssueParams, TrafficMatch };

export const probeSchema = z
  .strictObject({
    http: z.string().startsWith('/').optional().describe('HTTP GET path; a 2xx or 3xx answer is a success'),
    tcp: z.boolean().optional().describe('probe by opening a TCP connection to the instance port'),
    interval: durationSchema.default(1000).describe('time between probes'),
    timeout: durationSchema.default(1000).describe('time a probe may take'),
    successThreshold: z.number().int().min(1).default(1).describe('consecutive successes to count as passing'),
    failureThreshold: z.number().int().min(1).default(3).describe('consecutive failures to count as failing'),
    startGrace: durationSchema.default(30_000).describe('how long a new instance may take to pass its first probe'),
  })
  .refine(
    // Runs even when a field of the probe is invalid, so every problem is reported at once; a
    // present but invalid `tcp` is reported by its own issue.
    (probe) => probe.http !== undefined || (probe.tcp !== undefined && probe.tcp !== false),
    {
      message: 'a probe needs `http: /path` or `tcp: true`',
      params: { hint: 'add `http: /healthz` (any path the service answers) or `tcp: true`' } satisfies SpecIssueParams,
      when: (payload) => isRecordLike(payload.value),
    },
  )
  .describe('a health check: `http: /path` or `tcp: true`, with optional timings');

export const resourcesSchema = z
  .strictObject({
    memory: byteSizeSchema.optional().describe('memory limit'),
    cpu: z.number().positive().max(256).optional().describe('CPU limit in cores, e.g. 0.5'),
    pids: z.number().int().positive().optional().describe('limit on processes and threads'),
  })
  .describe('limits for each instance: memory, cpu, pids');

export const buildSchema = z
  .strictObject({
    command: commandSchema.optional().describe('run in a clean copy of the service directory before packing (e.g. npm ci)'),
    output: z.string().min(1).optional().describe('pack only this sub-directory of the build result'),
  })
  .describe('how `skiff build` makes an artifact of the service directory (files in .skiffignore are left out)');

export const imageSchema = z
  .union([
    z.strictObject({
      ref: z.string().min(1).describe('an image already in the local Docker engine: name:tag or sha256:…'),
    }),
    z.strictObject({
      dockerfile: z.string().min(1).describe('the Dockerfile, relative to the service directory'),
      context: z.string().min(1).default('.').describe('the build context, relative to the service directory'),
    }),
  ])
  .describe('the container image of a docker service: `ref: name:tag` or `dockerfile: ./Dockerfile`');

/** A count or a share of the desired instances, as the spec writes it (`1` or `"25%"`). */
const serviceFields = {
  path: z.string().min(1).default('.').describe('the service directory, relative to the spec file'),
  build: buildSchema.optional(),
  // Required for process services (checked below); for docker services it replaces the image's command.
  start: commandSchema.default([]).describe('the command that starts one instance'),
  driver: z.enum(['process', 'docker']).default('process').describe('how instances run'),
  image: imageSchema.optional().describe('the container image (docker services only)'),
  // No default here (1 is applied when resolving): a written `instances` beside `autoscale` is refused.
  instances: z.number().int().min(0).max(1000).optional().describe('desired number of instances'),
  autoscale: autoscaleSchema.optional().describe('scale the instance count with the load instead of a fixed `instances`'),
  env: z
    .record(z.string(), envValueSchema)
    .default({})
    .describe('environment variables of every instance, as NAME: value'),
  readiness: probeSchema.optional().describe('gates traffic: an instance gets requests only while this passes'),
  liveness: probeSchema.optional().describe('an instance failing this is replaced'),
  resources: resourcesSchema.default({}).describe('limits for each instance: memory, cpu, pids'),
  routes: z.array(routeSchema).default([]).describe('how requests reach the service through the router'),
  balance: balanceSchema.default('least-request').describe('how requests are spread over the ready instances'),
  stopGrace: durationSchema.default(5000).describe('time between SIGTERM and SIGKILL'),
  strategy: strategySchema.default(defaultStrategy).describe('how a new release replaces the old one (default: rolling, maxSurge 1, maxUnavailable 0)'),
  parallel: parallelSchema.optional().describe('how `skiff parallel start` mirrors requests to a candidate release (default: 100% of GET, HEAD, OPTIONS)'),
  release: releaseCommandSchema.optional(),
  volumes: volumesSchema,
  ...functionFields,
};

export const serviceSchema = z
  .strictObject(serviceFields)
  .superRefine(
    (service, ctx) => {
      // Runs even when other fields are invalid: the input may be any shape here.
      const raw: unknown = service;
      if (!isRecordLike(raw)) return;
      checkFunctionFields(raw, ctx);
      checkRouteTls(raw, ctx);
      // A function's fields are checked above: it has neither a start command nor a driver.
      if (raw.kind === 'function') {
        if (isRecordLike(raw.volumes) && Object.keys(raw.volumes).length > 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['volumes'],
            message: 'a function keeps no files between requests: it cannot have volumes',
            params: { hint: 'remove `volumes`, or run the service as a process or container' } satisfies SpecIssueParams,
          });
        }
        return;
      }
      const driver = raw.driver ?? 'process';
      // `start` is parsed with a default of [] (so its type stays a command), and a written one is never empty.
      const noStart = raw.start === undefined || (Array.isArray(raw.start) && raw.start.length === 0);
      if (driver === 'process' && noStart) {
        // Reported as the missing key it is, like any other required key.
        ctx.addIssue({ code: 'invalid_type', expected: 'array', input: undefined, path: ['start'], message: 'missing start' });
      }
      checkInstancesWithAutoscale(raw, ctx, 'the service');
      if (driver === 'docker' && raw.image === undefined) {
        ctx.addIssue({ code: 'invalid_type', expected: 'object', input: undefined, path: ['image'], message: 'missing image' });
      }
      if (driver !== 'docker' && raw.image !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['image'],
          message: 'an image needs `driver: docker`',
          params: { hint: 'add `driver: docker` to run this service as containers, or remove `image`' } satisfies SpecIssueParams,
        });
      }
    },
    { when: (payload) => isRecordLike(payload.value) },
  )
  .describe('a service: how to start it, how many instances, its routes and checks');

export const serviceOverrideSchema = z.strictObject({
  instances: z.number().int().min(0).max(1000).optional().describe('desired number of instances in this environment (turns the service\'s autoscale off here)'),
  autoscale: autoscaleSchema.optional().describe('autoscaling in this environment, replacing the service\'s (and its instances)'),
  env: z
    .record(z.string(), envValueSchema)
    .optional()
    .describe('environment variables added to or replacing the service ones in this environment'),
  resources: resourcesSchema.optional().describe('limits replacing the service ones in this environment'),
}).superRefine(
  (override, ctx) => {
    const raw: unknown = override;
    if (isRecordLike(raw)) checkInstancesWithAutoscale(raw, ctx, 'this environment');
  },
  { when: (payload) => isRecordLike(payload.value) },
).describe('what changes for a service in this environment: instances or autoscale, env, resources');

export const environmentSchema = z.strictObject({
  provider: z
    .enum(['local', 'fake', 'kubernetes'])
    .default('local')
    .describe('what runs the instances of this environment: `local` (this machine), `kubernetes` (a cluster; `skiff export ENV --format kubernetes` writes its manifests), or `fake` (simulated instances that start at once and run nothing, to try a spec or measure the control plane)'),
  kubernetes: kubernetesSchema.optional(),
  registry: registrySchema.optional(),
  routerPort: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe("this environment's router port (default: the --router-port of `skiff up` for its environment, the next ports for the others in file order)"),
  router: routerSchema.optional(),
  services: z
    .record(nameSchema, serviceOverrideSchema)
    .default({})
    .describe('per-service overrides in this environment, by service name'),
  flags: z
    .record(flagKeySchema, flagOverrideSchema)
    .optional()
    .describe('per-flag overrides in this environment, by flag key: state, defaultVariant, targeting'),
  tracing: tracingSchema.optional().describe("this environment's tracing, replacing the top-level `tracing`"),
  source: sourceSchema.optional(),
  preview: previewSchema.optional(),
  previews: previewPolicySchema.optional(),
})
  .superRefine((environment, ctx) => checkKubernetesEnvironment(environment, ctx), { when: (payload) => isRecordLike(payload.value) })
  .superRefine((environment, ctx) => checkPreviewPolicy(environment, ctx), { when: (payload) => isRecordLike(payload.value) })
  .describe('an environment: a provider and per-service overrides');

export const specSchema = z
  .strictObject({
    version: z.literal(1).default(1).describe('the version of this file format'),
    name: nameSchema.describe('the name of the system'),
    services: z.record(nameSchema, serviceSchema).describe('the services of the system, by name'),
    environments: z
      .record(nameSchema, environmentSchema)
      .default({ dev: { provider: 'local', services: {} } })
      .describe('the environments, by name (default: one `dev` environment)'),
    pipelines: z
      .record(nameSchema, pipelineSchema)
      .default({})
      .describe('pipelines, by name: build, deploy, checks, approvals and promotion of a service'),
    alerts: z.array(alertRuleSchema).default([]).describe('alert rules over the built-in metrics'),
    notify: z.array(notifierSchema).default([]).describe('where alert notifications go, unless a rule says otherwise'),
    analyses: z
      .record(nameSchema, analysisSchema)
      .default({})
      .describe('analyses by name, used by canary steps (`- analysis: NAME`); `default` is built in unless defined here'),
    jobs: jobsSchema,
    flags: z
      .record(flagKeySchema, flagSchema)
      .optional()
      .describe('feature flags by key, in flagd\'s flag-definition format; served over OFREP, changed at run time with `skiff flag`'),
    tracing: tracingSchema.optional().describe('distributed tracing for every environment that sets none of its own'),
  })
  .superRefine(
    (spec, ctx) => {
      // Also runs when other parts are invalid (so all problems show at once): the input may be
      // any shape here, not yet the output type.
      const services: unknown = spec.services;
      const environments: unknown = spec.environments;
      if (!isRecordLike(services) || !isRecordLike(environments)) return;
      const knownKeys = Object.keys(services);
      for (const [envName, env] of Object.entries(environments)) {
        const overrides: unknown = isRecordLike(env) ? env.services : undefined;
        if (!isRecordLike(overrides)) continue;
        for (const serviceName of Object.keys(overrides)) {
          if (!Object.hasOwn(services, serviceName)) {
            ctx.addIssue({
              code: 'custom',
              path: ['environments', envName, 'services', serviceName],
              message: `environment "${envName}" overrides unknown service "${serviceName}"`,
              params: { knownKeys } satisfies SpecIssueParams,
            });
          }
        }
      }
    },
    { when: (payload) => isRecordLike(payload.value) },
  )
  .superRefine((spec, ctx) => checkPipelineReferences(spec as unknown as Record<string, unknown>, ctx), {
    when: (payload) => isRecordLike(payload.value),
  })
  .superRefine((spec, ctx) => checkAlertReferences(spec as unknown as Record<string, unknown>, ctx), {
    when: (payload) => isRecordLike(payload.value),
  })
  .superRefine((spec, ctx) => checkAnalysisReferences(spec as unknown as Record<string, unknown>, ctx), {
    when: (payload) => isRecordLike(payload.value),
  })
  .superRefine((spec, ctx) => checkJobReferences(spec as unknown as Record<string, unknown>, ctx), {
    when: (payload) => isRecordLike(payload.value),
  })
  .superRefine((spec, ctx) => checkFlagOverrides(spec as unknown as Record<string, unknown>, ctx), {
    when: (payload) => isRecordLike(payload.value),
  });

export type SpecInput = z.input<typeof specSchema>;
export type Spec = z.output<typeof specSchema>;
export type ServiceSpec = z.output<typeof serviceSchema>;
export type EnvironmentSpec = z.output<typeof environmentSchema>;
export type Probe = z.output<typeof probeSchema>;
export type Resources = z.output<typeof resourcesSchema>;
export type RouteSpec = z.output<typeof routeSchema>;
export type Balance = z.output<typeof balanceSchema>;
/** How the local provider runs instances: the service's `driver`, or `function` for `kind: function`. */
export type DriverKind = ServiceSpec['driver'] | 'function';
export type ProviderKind = EnvironmentSpec['provider'];
export type ImageSpec = z.output<typeof imageSchema>;
export type AlertRuleSpec = z.output<typeof alertRuleSchema>;
export type NotifierSpec = z.output<typeof notifierSchema>;
export type BuildSpec = z.output<typeof buildSchema>;
export type PipelineSpec = z.output<typeof pipelineSchema>;
export type StrategySpec = z.output<typeof strategySchema>;
export type StrategyType = StrategySpec['type'];
export type RecreateStrategySpec = z.output<typeof recreateStrategySchema>;
export type RollingStrategySpec = z.output<typeof rollingStrategySchema>;
export type BlueGreenStrategySpec = z.output<typeof blueGreenStrategySchema>;
export type CanaryStrategySpec = z.output<typeof canaryStrategySchema>;
export type AnalysisSpec = z.output<typeof analysisSchema>;
