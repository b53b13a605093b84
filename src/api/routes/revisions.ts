import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane } from '../control-plane.js';
import { defineRoute } from '../route.js';
import { revisionListSchema, revisionsQuerySchema } from '../schemas.js';

export const defaultRevisionLimit = 20;

export function revisionRoutes(controlPlane: ControlPlane): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/revisions',
      tag: 'revisions',
      summary: 'Saved revisions of the desired state, newest first',
      querystring: revisionsQuerySchema,
      response: revisionListSchema,
      handler: (request) => [...controlPlane.revisions(request.query.limit ?? defaultRevisionLimit)],
    });
  };
}
