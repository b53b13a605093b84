import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane } from '../control-plane.js';
import { defineRoute } from '../route.js';
import {
  deployBodySchema,
  promoteBodySchema,
  releaseListSchema,
  releaseSummarySchema,
  rollbackBodySchema,
  serviceOnlyParamsSchema,
  serviceParamsSchema,
} from '../schemas.js';

export function releaseRoutes(controlPlane: ControlPlane): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/services/:service/deploy',
      tag: 'releases',
      summary: "Make a new release of an artifact with the environment's config and roll it out",
      status: 201,
      params: serviceParamsSchema,
      body: deployBodySchema,
      response: releaseSummarySchema,
      handler: (request) =>
        controlPlane.deploy({
          service: request.params.service,
          environment: request.params.env,
          version: request.body.version,
          author: request.body.author ?? 'api',
        }),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/services/:service/rollback',
      tag: 'releases',
      summary: 'Make a new release from an older one (default: the one before the current) and roll it out',
      status: 201,
      params: serviceParamsSchema,
      body: rollbackBodySchema,
      response: releaseSummarySchema,
      handler: (request) =>
        controlPlane.rollback({
          service: request.params.service,
          environment: request.params.env,
          ...(request.body.to === undefined ? {} : { to: request.body.to }),
          author: request.body.author ?? 'api',
        }),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/services/:service/promote',
      tag: 'releases',
      summary: 'Deploy to one environment exactly the artifact another one runs; never rebuilds',
      status: 201,
      params: serviceOnlyParamsSchema,
      body: promoteBodySchema,
      response: releaseSummarySchema,
      handler: (request) =>
        controlPlane.promote({
          service: request.params.service,
          from: request.body.from,
          to: request.body.to,
          author: request.body.author ?? 'api',
        }),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/services/:service/releases',
      tag: 'releases',
      summary: 'Releases of a service in an environment, newest first; `current` marks the running one',
      params: serviceParamsSchema,
      response: releaseListSchema,
      handler: (request) => [...controlPlane.releases(request.params.env, request.params.service)],
    });
  };
}
