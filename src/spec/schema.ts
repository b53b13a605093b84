/**
 * The schema of `skiff.yaml`: one zod schema gives the domain types, the validation with field
 * paths, and the JSON schema for the API and the docs.
 */
import { z } from 'zod';
import { parseByteSize, parseDuration } from '../core/units.js';
import { expressionServices, parseAlertExpression } from './alert-expression.js';

/**
 * Extra data a custom issue carries for `parse.ts`: a fix to suggest, or the names a key should
 * have been one of (the key is then reported as unknown, with a "did you mean").
 */
export interface SpecIssueParams {
  readonly hint?: string;
  readonly knownKeys?: readonly string[];
}

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const nameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes, starting with a letter');

export const durationSchema = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 2s or 1m, got "${value}"` });
      return z.NEVER;
    }
    return ms;
  })
  .describe('a duration such as 500ms, 2s, 1m (a bare number is milliseconds)');

export const byteSizeSchema = z
  .union([z.string(), z.number().int().positive()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const bytes = parseByteSize(value);
    if (bytes === undefined || bytes <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a size such as 128Mi, 1Gi or 500M, got "${value}"` });
      return z.NEVER;
    }
    return bytes;
  })
  .describe('a size in bytes such as 128Mi, 1Gi, 500M');

const commandText = 'a command: a list of arguments, or a string split on spaces (no shell)';

export const commandSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .describe(commandText)
  .transform((value) => (typeof value === 'string' ? value.trim().split(/\s+/) : value))
  .describe(commandText);

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

export const routeSchema = z
  .strictObject({
    host: z.string().min(1).optional().describe('match this Host header (without port); omit to match any host'),
    path: z.string().startsWith('/').default('/').describe('match this path prefix'),
    stripPrefix: z.boolean().default(false).describe('remove the path prefix before forwarding'),
    retryMethods: z
      .array(z.enum(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']))
      .default(['GET', 'HEAD', 'OPTIONS'])
      .describe('methods retried once on another instance when a connection fails before any answer'),
    timeouts: z
      .strictObject({
        connect: durationSchema.optional().describe('to connect to an instance (default 5s)'),
        firstByte: durationSchema.optional().describe("until the answer's headers (default 60s)"),
        idle: durationSchema.optional().describe('longest silence while the answer streams (default 60s)'),
        total: durationSchema.optional().describe('the whole exchange; 0 = no limit (default, for streams)'),
      })
      .optional()
      .describe('per-route timeouts; 0 turns one off'),
    retryBudget: z
      .strictObject({
        percent: z.number().min(0).max(100).optional().describe('retries as a share of requests over 10s (default 20)'),
        minPerSecond: z.number().nonnegative().optional().describe('retries allowed per second regardless (default 3)'),
      })
      .optional()
      .describe('caps retries so they cannot multiply an outage'),
    circuitBreaker: z
      .strictObject({
        consecutiveFailures: z.number().int().nonnegative().optional().describe('failures in a row that eject an instance (default 5; 0 = never)'),
        ejection: durationSchema.optional().describe('first ejection time, doubled on each repeat (default 10s)'),
        maxConcurrent: z.number().int().positive().optional().describe('requests in flight for the service before 503 (default 10000)'),
      })
      .optional()
      .describe('outlier ejection and concurrency limits'),
    rateLimit: z
      .strictObject({
        requestsPerSecond: z.number().positive().describe('tokens added per second'),
        burst: z.number().positive().optional().describe('bucket size (default requestsPerSecond)'),
        header: z.string().min(1).optional().describe('header identifying the client (default: the client address)'),
      })
      .optional()
      .describe('token-bucket rate limit per client, answering 429'),
    hold: z
      .strictObject({
        timeout: durationSchema.optional().describe('how long a request waits for a ready instance (default 10s; 0 = 503 at once)'),
        maxPending: z.number().int().nonnegative().optional().describe('requests held at once (default 1000)'),
      })
      .optional()
      .describe('holding requests while no instance is ready (restarts, recreate deploys)'),
    maxBodySize: byteSizeSchema.optional().describe('largest request body (default 64Mi), answered 413 beyond'),
  })
  .describe('a route: which requests reach the service (host and path prefix) and how the router protects it');

export const balanceSchema = z
  .enum(['least-request', 'round-robin'])
  .describe('how requests are spread over the ready instances');

const envValueSchema = z
  .union([z.string(), z.number(), z.boolean()])
  .transform(String)
  .describe('text, a number or true/false');

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
export type CountOrPercent = { readonly kind: 'count'; readonly value: number } | { readonly kind: 'percent'; readonly value: number };

const percentPattern = /^(\d+(?:\.\d+)?)%$/;

// The parsed form is accepted too, so a parsed spec (with its defaults) parses again to itself.
const parsedCountOrPercentSchema = z.strictObject({ kind: z.enum(['count', 'percent']), value: z.number().nonnegative() });

export const countOrPercentSchema = z
  .union([z.number().int().nonnegative(), z.string(), parsedCountOrPercentSchema])
  .transform((value, ctx): CountOrPercent => {
    if (typeof value === 'number') return { kind: 'count', value };
    if (typeof value === 'object') return value;
    const match = percentPattern.exec(value.trim());
    const percent = match ? Number(match[1]) : NaN;
    if (!(percent <= 100)) {
      ctx.addIssue({ code: 'custom', message: `expected a count such as 1 or a share such as 25%, got "${value}"` });
      return z.NEVER;
    }
    return { kind: 'percent', value: percent };
  })
  .describe('a number of instances (1) or a share of the desired instances (25%)');

/** A request the router can recognise: a header or a cookie with an exact value. */
export type TrafficMatch =
  | { readonly kind: 'header'; readonly name: string; readonly value: string }
  | { readonly kind: 'cookie'; readonly name: string; readonly value: string };

const nameValueSchema = z.strictObject({
  name: z.string().min(1).describe('the header or cookie name'),
  value: z.string().min(1).describe('the exact value that matches'),
});

export const trafficMatchSchema = z
  .strictObject({
    header: nameValueSchema.optional().describe('requests carrying this header value'),
    cookie: nameValueSchema.optional().describe('requests carrying this cookie value'),
  })
  .superRefine((match, ctx) => {
    if ((match.header === undefined) === (match.cookie === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a match needs exactly one of header or cookie',
        params: { hint: 'e.g. `match: { header: { name: x-internal, value: "1" } }`' } satisfies SpecIssueParams,
      });
    }
  })
  .transform((match): TrafficMatch => {
    if (match.header) return { kind: 'header', ...match.header };
    return { kind: 'cookie', ...(match.cookie as { name: string; value: string }) };
  })
  .describe('requests that always go to the new release during the rollout: `header: {name, value}` or `cookie: {name, value}`');

export type CanaryStepSpec =
  | { readonly kind: 'weight'; readonly weight: number }
  /** `durationMs: null` waits until a person resumes the rollout. */
  | { readonly kind: 'pause'; readonly durationMs: number | null }
  | { readonly kind: 'analysis'; readonly name: string };

const canaryStepObjectSchema = z
  .strictObject({
    weight: z.number().int().min(0).max(100).optional().describe('send this share of requests (percent) to the new release'),
    pause: z
      .union([durationSchema, z.strictObject({})])
      .optional()
      .describe('wait this long (`pause: 30s`), or until `skiff rollout resume` (`pause: {}`)'),
    analysis: nameSchema.optional().describe('judge the new release with this analysis (from `analyses`); a failure rolls back'),
  })
  .superRefine((step, ctx) => {
    const keys = Object.keys(step).filter((key) => (step as Record<string, unknown>)[key] !== undefined);
    if (keys.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: keys.length === 0 ? 'a step needs one of weight, pause, analysis' : `a step has one kind, got ${keys.join(' and ')}`,
        params: { hint: 'write each step as its own list item: `- weight: 5`, `- pause: 30s`, `- analysis: default`' } satisfies SpecIssueParams,
      });
    }
  });

export const canaryStepSchema = canaryStepObjectSchema
  .transform((step): CanaryStepSpec => {
    if (step.weight !== undefined) return { kind: 'weight', weight: step.weight };
    if (step.pause !== undefined) return { kind: 'pause', durationMs: typeof step.pause === 'number' ? step.pause : null };
    return { kind: 'analysis', name: step.analysis as string };
  })
  .describe('a canary step: `weight: 5`, `pause: 30s`, `pause: {}` (until resumed) or `analysis: NAME`');

export const recreateStrategySchema = z
  .strictObject({ type: z.literal('recreate').describe('stop every old instance, then start the new ones') })
  .describe('recreate: for services that cannot run two versions at once (a short outage)');

export const rollingStrategySchema = z
  .strictObject({
    type: z.literal('rolling').describe('replace instances a few at a time'),
    maxSurge: countOrPercentSchema.default({ kind: 'count', value: 1 }).describe('instances allowed above the desired count during the rollout (a share rounds up)'),
    maxUnavailable: countOrPercentSchema
      .default({ kind: 'count', value: 0 })
      .describe('ready instances allowed below the desired count during the rollout (a share rounds down)'),
    drainTimeout: durationSchema.default(30_000).describe('how long a drained instance may finish its requests before it is stopped'),
  })
  .refine((rolling) => rolling.maxSurge?.value !== 0 || rolling.maxUnavailable?.value !== 0, {
    message: 'maxSurge and maxUnavailable cannot both be 0: the rollout could never replace an instance',
    params: { hint: 'set `maxSurge: 1` (start one extra instance) or `maxUnavailable: 1`' } satisfies SpecIssueParams,
  })
  .describe('rolling: a new instance must be ready before an old one is drained, within maxSurge and maxUnavailable');

export const blueGreenStrategySchema = z
  .strictObject({
    type: z.literal('blue-green').describe('run the new release beside the old one, then switch all traffic at once'),
    previewHeader: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a lowercase header name')
      .default('x-skiff-preview')
      .describe('requests with this header set to 1 reach the new release before it is promoted'),
    keepOld: durationSchema.default(600_000).describe('how long the old release keeps running after the switch, for an instant undo'),
    autoPromote: z.boolean().default(false).describe('switch as soon as the new release is ready, without `skiff rollout promote`'),
  })
  .describe('blue-green: preview the new release, switch on promote, keep the old one for undo');

export const canaryStrategySchema = z
  .strictObject({
    type: z.literal('canary').describe('move traffic to the new release in steps'),
    steps: z
      .array(canaryStepSchema)
      .min(1)
      .default([
        { kind: 'weight', weight: 10 },
        { kind: 'analysis', name: 'default' },
        { kind: 'weight', weight: 50 },
        { kind: 'analysis', name: 'default' },
      ])
      .describe('the steps, in order; after the last one the new release gets all traffic (default: 10%, analysis, 50%, analysis)'),
    match: trafficMatchSchema.optional(),
  })
  .describe('canary: steps of traffic weight, pauses and analyses; a failed analysis rolls back');

// The type is checked first on its own, so a misspelt type is reported as such (with the allowed
// names) rather than as a mismatch against the first strategy.
const strategyTypes: readonly string[] = ['recreate', 'rolling', 'blue-green', 'canary'];

export const strategySchema = z
  .unknown()
  .superRefine((value, ctx) => {
    const type = isRecordLike(value) ? value.type : undefined;
    if (typeof type === 'string' && strategyTypes.includes(type)) return;
    ctx.addIssue({
      code: 'custom',
      path: isRecordLike(value) ? ['type'] : [],
      message: !isRecordLike(value) ? 'expected a mapping with `type:`' : type === undefined ? 'a strategy needs `type:`' : `unknown strategy type ${JSON.stringify(type)}`,
      params: { hint: `type is one of ${strategyTypes.join(', ')}, e.g. \`strategy: { type: rolling }\`` } satisfies SpecIssueParams,
    });
  })
  .pipe(z.discriminatedUnion('type', [recreateStrategySchema, rollingStrategySchema, blueGreenStrategySchema, canaryStrategySchema]))
  .describe('how a new release replaces the old one: `type: recreate | rolling | blue-green | canary` with its settings');

export const defaultStrategy = {
  type: 'rolling',
  maxSurge: { kind: 'count', value: 1 },
  maxUnavailable: { kind: 'count', value: 0 },
  drainTimeout: 30_000,
} as const satisfies z.output<typeof rollingStrategySchema>;

export type LatencyPercentile = 'p50' | 'p95' | 'p99';

export type AnalysisCheckSpec =
  /** `max` is a fraction: 0.01 is 1%. */
  | { readonly kind: 'error-rate'; readonly max: number }
  | { readonly kind: 'latency'; readonly percentile: LatencyPercentile; readonly maxMs: number }
  | { readonly kind: 'latency-ratio'; readonly percentile: LatencyPercentile; readonly maxRatio: number }
  | { readonly kind: 'mann-whitney'; readonly alpha: number };

const checkHint = 'e.g. `{ metric: errorRate, max: 1% }`, `{ metric: p99, max: 300ms }`, `{ metric: p99, maxRatioToStable: 1.2 }`, `{ metric: latency, test: mann-whitney, alpha: 0.05 }`';

export const analysisCheckSchema = z
  .strictObject({
    metric: z.enum(['errorRate', 'p50', 'p95', 'p99', 'latency']).describe('errorRate (5xx and connection failures), a latency percentile, or latency (a statistical test)'),
    max: z.union([z.string(), z.number().nonnegative()]).optional().describe('the limit: a share for errorRate (1%), a duration for a percentile (300ms)'),
    maxRatioToStable: z.number().positive().optional().describe("the limit as a multiple of the stable release's value (1.2)"),
    test: z.literal('mann-whitney').optional().describe('compare the latency distributions with the Mann-Whitney U test'),
    alpha: z.number().gt(0).lt(1).optional().describe('significance level of the test (default 0.05)'),
  })
  .transform((check, ctx): AnalysisCheckSpec => {
    const fail = (message: string): never => {
      ctx.addIssue({ code: 'custom', message, params: { hint: checkHint } satisfies SpecIssueParams });
      return z.NEVER as never;
    };
    if (check.metric === 'latency') {
      if (check.test === undefined || check.max !== undefined || check.maxRatioToStable !== undefined) {
        return fail('metric latency takes `test: mann-whitney` (and optionally `alpha`)');
      }
      return { kind: 'mann-whitney', alpha: check.alpha ?? 0.05 };
    }
    if (check.test !== undefined || check.alpha !== undefined) return fail(`test and alpha belong to \`metric: latency\`, not ${check.metric}`);
    if (check.metric === 'errorRate') {
      const match = typeof check.max === 'string' ? percentPattern.exec(check.max.trim()) : null;
      if (!match || check.maxRatioToStable !== undefined) return fail('metric errorRate takes `max` as a share such as 1%');
      return { kind: 'error-rate', max: Number(match[1]) / 100 };
    }
    if ((check.max === undefined) === (check.maxRatioToStable === undefined)) {
      return fail(`metric ${check.metric} takes one of max (300ms) or maxRatioToStable (1.2)`);
    }
    if (check.maxRatioToStable !== undefined) return { kind: 'latency-ratio', percentile: check.metric, maxRatio: check.maxRatioToStable };
    const maxMs = typeof check.max === 'number' ? check.max : parseDuration(check.max as string);
    if (maxMs === undefined) return fail(`expected a duration such as 300ms for ${check.metric}, got "${String(check.max)}"`);
    return { kind: 'latency', percentile: check.metric, maxMs };
  })
  .describe('one check of an analysis');

export const analysisSchema = z
  .strictObject({
    window: durationSchema.default(30_000).describe('the span of recent measurements judged'),
    minRequests: z.number().int().nonnegative().default(50).describe('requests the new release must have served before it is judged'),
    checks: z
      .array(analysisCheckSchema)
      .min(1)
      .default([
        { kind: 'error-rate', max: 0.01 },
        { kind: 'latency-ratio', percentile: 'p99', maxRatio: 1.2 },
      ])
      .describe('all must pass (default: errorRate below 1% and p99 at most 1.2 × stable)'),
  })
  .describe('an analysis: checks over what the router measured for the new and the stable release in a window');

/** Used when a canary step names `default` and the spec defines no analysis of that name. */
export const defaultAnalysis: z.output<typeof analysisSchema> = {
  window: 30_000,
  minRequests: 50,
  checks: [
    { kind: 'error-rate', max: 0.01 },
    { kind: 'latency-ratio', percentile: 'p99', maxRatio: 1.2 },
  ],
};

/** Canary steps name analyses of the same file: checked once the file parses. */
function checkAnalysisReferences(spec: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const { services, analyses } = spec;
  if (!isRecordLike(services)) return;
  const known = new Set(['default', ...(isRecordLike(analyses) ? Object.keys(analyses) : [])]);
  for (const [name, service] of Object.entries(services)) {
    const strategy = isRecordLike(service) ? service.strategy : undefined;
    if (!isRecordLike(strategy) || !Array.isArray(strategy.steps)) continue;
    strategy.steps.forEach((step: unknown, index) => {
      if (!isRecordLike(step)) return;
      // Steps that parsed are already in their typed form; others are still as written.
      const analysis = step.kind === 'analysis' ? step.name : step.kind === undefined ? step.analysis : undefined;
      if (typeof analysis === 'string' && !known.has(analysis)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'strategy', 'steps', index, 'analysis'],
          message: `unknown analysis "${analysis}"`,
          params: { hint: `define it under \`analyses:\`; known: ${[...known].join(', ')}` } satisfies SpecIssueParams,
        });
      }
    });
  }
}

const serviceFields = {
  path: z.string().min(1).default('.').describe('the service directory, relative to the spec file'),
  build: buildSchema.optional(),
  // Required for process services (checked below); for docker services it replaces the image's command.
  start: commandSchema.default([]).describe('the command that starts one instance'),
  driver: z.enum(['process', 'docker']).default('process').describe('how instances run'),
  image: imageSchema.optional().describe('the container image (docker services only)'),
  instances: z.number().int().min(0).max(1000).default(1).describe('desired number of instances'),
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
};

export const serviceSchema = z
  .strictObject(serviceFields)
  .superRefine(
    (service, ctx) => {
      // Runs even when other fields are invalid: the input may be any shape here.
      const raw: unknown = service;
      if (!isRecordLike(raw)) return;
      const driver = raw.driver ?? 'process';
      // `start` is parsed with a default of [] (so its type stays a command), and a written one is never empty.
      const noStart = raw.start === undefined || (Array.isArray(raw.start) && raw.start.length === 0);
      if (driver === 'process' && noStart) {
        // Reported as the missing key it is, like any other required key.
        ctx.addIssue({ code: 'invalid_type', expected: 'array', input: undefined, path: ['start'], message: 'missing start' });
      }
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
  // Not `serviceFields.instances.optional()`: zod 4 applies the inner default (1) inside an
  // optional, so every override would reset the service's instance count.
  instances: z.number().int().min(0).max(1000).optional().describe('desired number of instances in this environment'),
  env: z
    .record(z.string(), envValueSchema)
    .optional()
    .describe('environment variables added to or replacing the service ones in this environment'),
  resources: resourcesSchema.optional().describe('limits replacing the service ones in this environment'),
}).describe('what changes for a service in this environment: instances, env, resources');

export const environmentSchema = z.strictObject({
  provider: z.enum(['local']).default('local').describe('what runs the instances of this environment'),
  routerPort: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe("this environment's router port (default: the --router-port of `skiff up` for its environment, the next ports for the others in file order)"),
  services: z
    .record(nameSchema, serviceOverrideSchema)
    .default({})
    .describe('per-service overrides in this environment, by service name'),
}).describe('an environment: a provider and per-service overrides');

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
  .strictObject({ name: nameSchema.describe('the stage name people approve: skiff approve RUN_ID NAME') })
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
  | { readonly kind: 'deploy'; readonly name: string; readonly environment: string }
  | {
      readonly kind: 'check';
      readonly name: string;
      readonly command: readonly string[];
      readonly environment: string;
      readonly timeoutMs: number;
    }
  | { readonly kind: 'promote'; readonly name: string; readonly from: string; readonly to: string }
  | { readonly kind: 'approval'; readonly name: string };

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
    return { kind: 'approval', name: (stage.approval as { name: string }).name };
  })
  .describe('a stage: `build`, `deploy: ENV`, `check: {...}`, `promote: {from, to}` or `approval: {name}`');

export const pipelineSchema = z
  .strictObject({
    services: z.array(nameSchema).min(1).optional().describe('the services this pipeline runs for (default: every service)'),
    stages: z.array(pipelineStageSchema).min(1).describe('the stages, in order'),
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
  })
  .describe('a pipeline: ordered stages for its services');

/** Pipelines name services and environments of the same file: checked once the file parses. */
function checkPipelineReferences(spec: Record<string, unknown>, ctx: z.RefinementCtx): void {
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

export const notifierSchema = z
  .strictObject({
    webhook: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL')
      .describe('URL that receives a POST with the alert as JSON, retried with backoff'),
  })
  .describe('where alert notifications go');

export const alertRuleSchema = z
  .strictObject({
    name: nameSchema.describe('the alert name, shown by `skiff alerts` and sent to webhooks'),
    expr: z
      .string()
      .superRefine((text, ctx) => {
        const parsed = parseAlertExpression(text);
        if (!parsed.ok) {
          ctx.addIssue({
            code: 'custom',
            message: `column ${parsed.error.column} of "${text}": ${parsed.error.message}`,
            params: {
              hint: 'e.g. errorRate(web) > 5%, p99(web) > 500ms, ready(web) < desired(web), restarts(web, 10m) > 3',
            } satisfies SpecIssueParams,
          });
        }
      })
      .describe('the condition, e.g. `errorRate(web) > 5%` or `ready(web) < desired(web)`'),
    for: durationSchema.default(0).describe('how long the condition must hold before the alert fires'),
    severity: z.enum(['warning', 'critical']).default('warning').describe('warning or critical'),
    environment: nameSchema.optional().describe('only this environment (default: every environment)'),
    notify: z.array(notifierSchema).optional().describe("where this rule's notifications go (default: the top-level notify)"),
  })
  .describe('an alert rule over the built-in metrics');

/** Alert rules name services and environments of the same file: checked once the file parses. */
function checkAlertReferences(spec: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const { services, environments, alerts } = spec;
  if (!isRecordLike(services) || !isRecordLike(environments) || !Array.isArray(alerts)) return;
  const names = new Set<string>();
  alerts.forEach((rule: unknown, index) => {
    if (!isRecordLike(rule)) return;
    if (typeof rule.name === 'string') {
      if (names.has(rule.name)) {
        ctx.addIssue({ code: 'custom', path: ['alerts', index, 'name'], message: `two alert rules are named "${rule.name}"` });
      }
      names.add(rule.name);
    }
    if (typeof rule.environment === 'string' && !Object.hasOwn(environments, rule.environment)) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerts', index, 'environment'],
        message: `unknown environment "${rule.environment}"`,
        params: { hint: `environments: ${Object.keys(environments).join(', ')}` } satisfies SpecIssueParams,
      });
    }
    const parsed = typeof rule.expr === 'string' ? parseAlertExpression(rule.expr) : null;
    if (!parsed?.ok) return;
    for (const service of expressionServices(parsed.expression)) {
      if (!Object.hasOwn(services, service)) {
        ctx.addIssue({
          code: 'custom',
          path: ['alerts', index, 'expr'],
          message: `alert "${String(rule.name)}" names unknown service "${service}"`,
          params: { hint: `services: ${Object.keys(services).join(', ')}` } satisfies SpecIssueParams,
        });
      }
    }
  });
}

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
  });

export type SpecInput = z.input<typeof specSchema>;
export type Spec = z.output<typeof specSchema>;
export type ServiceSpec = z.output<typeof serviceSchema>;
export type EnvironmentSpec = z.output<typeof environmentSchema>;
export type Probe = z.output<typeof probeSchema>;
export type Resources = z.output<typeof resourcesSchema>;
export type RouteSpec = z.output<typeof routeSchema>;
export type Balance = z.output<typeof balanceSchema>;
export type DriverKind = ServiceSpec['driver'];
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
