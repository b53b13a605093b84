import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { seriesMetrics } from '../monitoring-port.js';
import type { AlertView, MonitoringPort, SeriesPoint, TopView } from '../monitoring-port.js';
import { defineRoute } from '../route.js';

export const alertViewSchema: z.ZodType<AlertView> = z
  .object({
    name: z.string(),
    environment: z.string(),
    severity: z.enum(['warning', 'critical']),
    expr: z.string().describe('the condition, e.g. `errorRate(web) > 5%`'),
    forMs: z.number().int().describe('how long the condition must hold before firing'),
    state: z.enum(['inactive', 'pending', 'firing']),
    since: z.string().nullable().describe('when the state began (ISO time)'),
    value: z.number().nullable().describe("the condition's left side at the last evaluation"),
    webhooks: z.array(z.string()),
  })
  .describe('an alert rule in one environment, with its state');

const alertsQuerySchema = z.strictObject({
  environment: z.string().optional().describe('only this environment'),
  state: z.enum(['inactive', 'pending', 'firing']).optional().describe('only alerts in this state'),
});

const nullableNumber = z.number().nullable();

export const topViewSchema: z.ZodType<TopView> = z
  .object({
    environment: z.string(),
    sampledAt: z.string().nullable(),
    windowSeconds: z.number(),
    services: z.array(
      z.object({
        service: z.string(),
        rps: nullableNumber.describe('requests per second'),
        errorRate: nullableNumber.describe('5xx answers / requests (0..1)'),
        p50: nullableNumber.describe('median latency, seconds'),
        p99: nullableNumber.describe('99th percentile latency, seconds'),
        ready: z.number().int(),
        desired: z.number().int(),
        cpu: nullableNumber.describe('CPU cores used, all instances together'),
        memoryBytes: nullableNumber.describe('resident memory, all instances together'),
      }),
    ),
    usageUnavailable: z.string().optional().describe('why there is no CPU and memory, e.g. a Kubernetes cluster without metrics-server'),
  })
  .describe('per service: traffic and usage of the last seconds');

const seriesQuerySchema = z.strictObject({
  environment: z.string().min(1),
  service: z.string().min(1),
  metric: z.enum(seriesMetrics),
  release: z.string().optional().describe("one release's traffic instead of the service's"),
  instance: z.string().optional().describe("one instance's cpu or memoryBytes"),
  resolution: z.enum(['10s', '1m']).default('10s'),
  from: z.coerce.number().int().optional().describe('epoch ms'),
  to: z.coerce.number().int().optional().describe('epoch ms'),
});

const seriesPointSchema: z.ZodType<SeriesPoint> = z.object({ time: z.number().describe('epoch ms'), value: z.number() });

export function alertRoutes(monitoring: MonitoringPort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/alerts',
      tag: 'monitoring',
      summary: 'Alert rules with their state per environment',
      querystring: alertsQuerySchema,
      response: z.array(alertViewSchema),
      handler: (request) =>
        monitoring
          .alerts()
          .filter(
            (alert) =>
              (request.query.environment === undefined || alert.environment === request.query.environment) &&
              (request.query.state === undefined || alert.state === request.query.state),
          ),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/top',
      tag: 'monitoring',
      summary: 'Per service: rps, error rate, latency, ready/desired, CPU and memory of the last seconds',
      params: z.strictObject({ env: z.string() }),
      response: topViewSchema,
      handler: (request) => monitoring.top(request.params.env),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/metrics/series',
      tag: 'monitoring',
      summary: "A metric's history for charts: 10 s points for the last hour, 1 min points for longer",
      querystring: seriesQuerySchema,
      response: z.array(seriesPointSchema),
      handler: (request) => [...monitoring.series(request.query)],
    });
  };
}
