/** Routes: how requests reach a service through the router, and their resilience settings. */
import { z } from 'zod';
import { byteSizeSchema, durationSchema } from './schema-values.js';
import { routeTlsSchema } from './schema-tls.js';

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
    tls: routeTlsSchema.optional(),
    redirectHttps: z.boolean().optional().describe('answer plain HTTP requests 308 to the same URL over HTTPS'),
    hsts: z
      .strictObject({
        maxAge: durationSchema.describe('how long browsers keep to HTTPS (e.g. 8760h, a year)'),
        includeSubDomains: z.boolean().default(false).describe('also for every subdomain of the host'),
      })
      .optional()
      .describe('Strict-Transport-Security on answers over HTTPS'),
  })
  .describe('a route: which requests reach the service (host and path prefix) and how the router protects it');

export const balanceSchema = z
  .enum(['least-request', 'round-robin'])
  .describe('how requests are spread over the ready instances');
