/**
 * `GET /metrics` in the Prometheus text format, and the API's own request timing. The timing
 * hooks must see every route, so this plugin is not encapsulated (what fastify-plugin does).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { MonitoringPort } from '../monitoring-port.js';

const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';
const startedAt = Symbol('skiff.startedAt');

declare module 'fastify' {
  interface FastifyRequest {
    [startedAt]?: bigint;
  }
}

export function metricsRoutes(monitoring: MonitoringPort): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    app.addHook('onRequest', async (request) => {
      request[startedAt] = process.hrtime.bigint();
    });
    app.addHook('onResponse', async (request, reply) => {
      const started = request[startedAt];
      if (started === undefined) return;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Unmatched URLs share one label value: raw URLs would make the label unbounded.
      const route = request.routeOptions.url ?? 'unmatched';
      monitoring.observeRequest({ method: request.method, route, status: reply.statusCode, seconds });
    });

    // Prometheus sends the bearer token (`authorization` in its scrape config).
    app.get('/metrics', { config: { access: { action: 'read' } } }, async (_request, reply) => {
      const text = await monitoring.metricsText();
      return reply.type(prometheusContentType).send(text);
    });
  };
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
