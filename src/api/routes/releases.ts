import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../access-control.js';
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
      access: { action: 'deploy', environment: { param: 'env' } },
      params: serviceParamsSchema,
      body: deployBodySchema,
      response: releaseSummarySchema,
      audit: ({ params, body }) => `deploy ${params?.service} ${body?.version ?? '?'} to ${params?.env}`,
      handler: (request) =>
        controlPlane.deploy({
          service: request.params.service,
          environment: request.params.env,
          version: request.body.version,
          ...(request.body.strategy === undefined ? {} : { strategy: request.body.strategy }),
          author: actorOf(request),
        }),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/services/:service/rollback',
      tag: 'releases',
      summary: 'Make a new release from an older one (default: the one before the current) and roll it out',
      status: 201,
      access: { action: 'deploy', environment: { param: 'env' } },
      params: serviceParamsSchema,
      body: rollbackBodySchema,
      response: releaseSummarySchema,
      audit: ({ params, body }) => `roll back ${params?.service} in ${params?.env}${body?.to ? ` to ${body.to}` : ''}`,
      handler: (request) =>
        controlPlane.rollback({
          service: request.params.service,
          environment: request.params.env,
          ...(request.body.to === undefined ? {} : { to: request.body.to }),
          ...(request.body.strategy === undefined ? {} : { strategy: request.body.strategy }),
          author: actorOf(request),
        }),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/services/:service/promote',
      tag: 'releases',
      summary: 'Deploy to one environment exactly the artifact another one runs; never rebuilds',
      status: 201,
      // Promoting changes only the target environment.
      access: { action: 'deploy', environment: { body: 'to' } },
      params: serviceOnlyParamsSchema,
      body: promoteBodySchema,
      response: releaseSummarySchema,
      audit: ({ params, body }) => `promote ${params?.service} from ${body?.from ?? '?'} to ${body?.to ?? '?'}`,
      handler: (request) =>
        controlPlane.promote({
          service: request.params.service,
          from: request.body.from,
          to: request.body.to,
          ...(request.body.strategy === undefined ? {} : { strategy: request.body.strategy }),
          author: actorOf(request),
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
