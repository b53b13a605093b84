import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane } from '../control-plane.js';
import { defineRoute } from '../route.js';
import { environmentNamesSchema, environmentParamsSchema, statusReportSchema } from '../schemas.js';

export function statusRoutes(controlPlane: ControlPlane): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments',
      tag: 'status',
      summary: 'Names of the environments in the current revision',
      response: environmentNamesSchema,
      handler: () => [...controlPlane.environments()],
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/status',
      tag: 'status',
      summary: 'Services and instances of one environment, desired and observed',
      params: environmentParamsSchema,
      response: statusReportSchema,
      reusesResults: true,
      handler: (request) => controlPlane.status(request.params.env),
    });
  };
}
