import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane } from '../control-plane.js';
import { defineRoute } from '../route.js';
import { artifactListSchema, artifactSummarySchema, buildBodySchema, serviceOnlyParamsSchema } from '../schemas.js';

export function artifactRoutes(controlPlane: ControlPlane): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/services/:service/build',
      tag: 'artifacts',
      summary: 'Build an artifact of a service and store it under its digest; answers when the build is done',
      status: 201,
      params: serviceOnlyParamsSchema,
      body: buildBodySchema,
      response: artifactSummarySchema,
      handler: (request) => controlPlane.build({ service: request.params.service, author: request.body.author ?? 'api' }),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/services/:service/artifacts',
      tag: 'artifacts',
      summary: 'Stored artifacts of a service, newest first',
      params: serviceOnlyParamsSchema,
      response: artifactListSchema,
      handler: async (request) => [...(await controlPlane.artifacts(request.params.service))],
    });
  };
}
