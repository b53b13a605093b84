import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../access-control.js';
import type { ControlPlane } from '../control-plane.js';
import { defineRoute } from '../route.js';
import { environmentParamsSchema, restoreBodySchema, restoreResultSchema, revisionListSchema, revisionsQuerySchema } from '../schemas.js';

export const defaultRevisionLimit = 20;

export function revisionRoutes(controlPlane: ControlPlane): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/revisions',
      tag: 'revisions',
      summary: 'Saved revisions of the desired state, newest first; with `environment`, only those that changed it',
      querystring: revisionsQuerySchema,
      response: revisionListSchema,
      handler: (request) => [...controlPlane.revisions(request.query.limit ?? defaultRevisionLimit, request.query.environment)],
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/restore',
      tag: 'revisions',
      summary: 'Bring an environment back to the releases and config it had at a revision or time (a new revision)',
      status: 201,
      // It brings back config and secrets too, so it is an admin's, like apply.
      access: { action: 'admin' },
      params: environmentParamsSchema,
      body: restoreBodySchema,
      response: restoreResultSchema,
      audit: ({ params, body }) => `restore ${params?.env} to ${body?.to ?? '?'}`,
      handler: (request) => controlPlane.restore({ environment: request.params.env, to: request.body.to, author: actorOf(request) }),
    });
  };
}
