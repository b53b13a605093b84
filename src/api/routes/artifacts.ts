import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../access-control.js';
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
      // Building changes no environment: a deployer of any environment may build.
      access: { action: 'deploy', environment: 'any' },
      params: serviceOnlyParamsSchema,
      body: buildBodySchema,
      response: artifactSummarySchema,
      audit: ({ params }) => `build ${params?.service}`,
      handler: (request) => controlPlane.build({ service: request.params.service, author: actorOf(request) }),
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
