/**
 * The one schema of the routing table as it crosses a boundary: the admin socket and the table
 * file. The type itself lives in core/route-table.ts.
 */
import { z } from 'zod';
import { SkiffError, type ErrorDetail } from '../core/errors.js';
import type { RouteTable } from '../core/route-table.js';

const backendSchema = z.object({
  id: z.string().min(1).describe('instance id, sent back in x-skiff-instance'),
  release: z.string(),
  host: z.string().min(1).describe('address the instance listens on'),
  port: z.number().int().min(1).max(65535),
});

const ms = z.number().int().nonnegative();

const resilienceFields = {
  timeouts: z
    .object({ connectMs: ms.optional(), firstByteMs: ms.optional(), idleMs: ms.optional(), totalMs: ms.optional() })
    .optional(),
  retryBudget: z.object({ percent: z.number().min(0).max(100).optional(), minPerSecond: z.number().nonnegative().optional() }).optional(),
  circuitBreaker: z
    .object({
      consecutiveFailures: z.number().int().nonnegative().optional(),
      ejectionMs: ms.optional(),
      maxConcurrent: z.number().int().positive().optional(),
    })
    .optional(),
  rateLimit: z
    .object({ requestsPerSecond: z.number().positive(), burst: z.number().positive().optional(), header: z.string().min(1).optional() })
    .optional(),
  hold: z.object({ timeoutMs: ms.optional(), maxPending: z.number().int().nonnegative().optional() }).optional(),
  maxBodyBytes: z.number().int().nonnegative().optional(),
  wake: z.boolean().optional(),
};

/** Sums within this of 100 are accepted: weights computed by division may not add up exactly. */
export const weightSumTolerance = 0.1;

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9a-z-]+$/, 'must be a lowercase HTTP header name');
const cookieName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a cookie name (token characters)');

const requestMatchSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('header'), name: headerName, value: z.string() }).strict(),
  z.object({ kind: z.literal('cookie'), name: cookieName, value: z.string() }).strict(),
]);

const fieldPath = z
  .string()
  .regex(/^[^.]+(\.[^.]+)*$/, 'must be a dotted JSON field path such as meta.time or items.*.id');

const mirrorSchema = z
  .object({
    candidateRelease: z.string().min(1).describe('release that gets the copies; never answers clients'),
    percent: z.number().min(0).max(100).describe('share of eligible requests copied'),
    methods: z
      .array(z.string().regex(/^[A-Za-z]+$/, 'must be an HTTP method'))
      .default(['GET', 'HEAD', 'OPTIONS'])
      .describe('methods copied; safe ones by default so nothing is done twice'),
    compareHeaders: z.array(headerName).default([]).describe('response headers compared'),
    ignoreFields: z.array(fieldPath).default([]).describe('JSON fields ignored when comparing bodies'),
  })
  .strict();

const trafficFields = {
  weights: z
    .record(z.string().min(1), z.number().nonnegative().finite())
    .refine((weights) => Object.keys(weights).length > 0, 'must name at least one release')
    .refine(
      (weights) => Math.abs(Object.values(weights).reduce((sum, weight) => sum + weight, 0) - 100) <= weightSumTolerance,
      'the weights must sum to 100',
    )
    .optional()
    .describe('percent of requests per release'),
  releaseMatches: z
    .array(z.object({ match: requestMatchSchema, release: z.string().min(1) }).strict())
    .optional()
    .describe('header or cookie matches sending a request to a release, checked in order before weights'),
  mirror: mirrorSchema.optional().describe('parallel run: copies of requests sent to a candidate release and compared'),
};

const routeSchema = z.object({
  ...trafficFields,
  ...resilienceFields,
  id: z.string().min(1),
  environment: z.string(),
  service: z.string(),
  host: z.string().min(1).optional().describe('Host header to match, without port; absent matches any host'),
  pathPrefix: z.string().startsWith('/', 'must start with /'),
  stripPrefix: z.boolean(),
  retryMethods: z.array(z.string().min(1)),
  balance: z.enum(['least-request', 'round-robin']),
  backends: z.array(backendSchema),
});

export const routeTableSchema = z.object({
  version: z.number().int().nonnegative(),
  generatedAt: z.string(),
  routes: z.array(routeSchema),
  tracing: z
    .object({
      otlpUrl: z.string().refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), 'must be an http(s) URL'),
      samplePercent: z.number().min(0).max(100),
    })
    .optional()
    .describe("where the router exports its spans (OTLP/HTTP); absent: trace headers pass through untouched"),
  tls: z
    .object({
      certificates: z.array(
        z.object({
          hosts: z.array(z.string().min(1)).min(1),
          cert: z.string().min(1).describe('PEM chain, leaf first'),
          key: z.string().min(1).describe('PEM private key'),
          source: z.enum(['file', 'acme']),
        }),
      ),
      acmeChallenges: z
        .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be an ACME token (base64url)'), z.string().min(1))
        .describe('ACME HTTP-01 token → key authorization, answered on plain HTTP'),
    })
    .optional()
    .describe('certificates picked by SNI, and the ACME challenges the router answers'),
});

/** Validates untrusted JSON as a routing table; throws SKIFF_BAD_REQUEST with one detail per issue. */
export function parseRouteTable(value: unknown): RouteTable {
  const result = routeTableSchema.safeParse(value);
  if (result.success) return result.data;
  const details: ErrorDetail[] = result.error.issues.map((issue) => ({
    code: 'SKIFF_BAD_REQUEST',
    message: issue.message,
    path: issue.path.join('.'),
  }));
  const first = details[0];
  throw new SkiffError('SKIFF_BAD_REQUEST', `invalid routing table${first ? `: ${first.path}: ${first.message}` : ''}`, {
    details,
  });
}
