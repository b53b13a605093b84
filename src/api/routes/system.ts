import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane } from '../control-plane.js';
import { defineRoute } from '../route.js';
import { stopAcceptedSchema } from '../schemas.js';

export function systemRoutes(controlPlane: ControlPlane): FastifyPluginAsync {
  return async (app) => {
    let stopping = false;
    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/system/stop',
      tag: 'system',
      summary: 'Stop every instance, the router and the server (answers 202 first)',
      status: 202,
      access: { action: 'admin' },
      response: stopAcceptedSchema,
      audit: () => 'stop the server and everything it runs',
      handler: () => ({ stopping: true as const }),
    });
    // The only route in this scope; shutting down after the response lets the client hear the 202.
    app.addHook('onResponse', async (request, reply) => {
      if (stopping || reply.statusCode !== 202) return;
      stopping = true;
      controlPlane.shutdown().catch((error: unknown) => request.log.error({ err: error }, 'shutdown failed'));
    });
  };
}
