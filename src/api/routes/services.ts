import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../access-control.js';
import type { ControlPlane, LogLine, LogQuery } from '../control-plane.js';
import { trackStreams } from '../open-stream.js';
import { defineRoute, defineStreamRoute } from '../route.js';
import { logLineSchema, logsQuerySchema, revisionSummarySchema, scaleBodySchema, serviceParamsSchema } from '../schemas.js';

const ndjson = (line: LogLine): string => `${JSON.stringify(line)}\n`;

export function serviceRoutes(controlPlane: ControlPlane): FastifyPluginAsync {
  return async (app) => {
    const streams = trackStreams(app);

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/services/:service/scale',
      tag: 'services',
      summary: 'Set the number of instances of a service; saves a new revision',
      access: { action: 'deploy', environment: { param: 'env' } },
      params: serviceParamsSchema,
      body: scaleBodySchema,
      response: revisionSummarySchema,
      audit: ({ params, body }) => `scale ${params?.service} in ${params?.env} to ${body?.instances ?? '?'} instances`,
      handler: (request) =>
        controlPlane.scale({
          environment: request.params.env,
          service: request.params.service,
          instances: request.body.instances,
          author: actorOf(request),
        }),
    });

    defineStreamRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/services/:service/logs',
      tag: 'services',
      summary: 'Recent log lines as NDJSON; with follow=true the response stays open with new lines',
      params: serviceParamsSchema,
      querystring: logsQuerySchema,
      contentType: 'application/x-ndjson',
      response: logLineSchema,
      handler: async (request, reply) => {
        const { follow, ...filters } = request.query;
        const query: LogQuery = { environment: request.params.env, service: request.params.service, ...filters };
        // Read before any byte is sent, so an unknown service is still a proper error answer.
        const recent = await controlPlane.logs(query);
        if (!follow) return reply.type('application/x-ndjson').send(recent.map(ndjson).join(''));
        const stream = streams.open(reply, 'application/x-ndjson');
        for (const line of recent) stream.write(ndjson(line));
        void controlPlane
          .followLogs(query, (line) => stream.write(ndjson(line)), stream.signal)
          .catch((error: unknown) => request.log.error({ err: error }, 'following logs failed'))
          .finally(() => stream.end());
        return reply;
      },
    });
  };
}
