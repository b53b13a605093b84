import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../access-control.js';
import { defineRoute } from '../route.js';
import type { RolloutAction, RolloutPort } from '../rollout-port.js';
import { rolloutActions } from '../rollout-port.js';
import { serviceParamsSchema } from '../schemas.js';
import { parallelStartBodySchema, parallelViewSchema, rolloutActionBodySchema, rolloutViewSchema } from '../schemas-rollout.js';

const actionSummaries: Record<RolloutAction, string> = {
  promote: 'Skip the remaining canary steps, or switch a blue-green rollout to the new release',
  pause: 'Hold the rollout where it is (traffic and instances stay as they are)',
  resume: 'Go on with a paused rollout, or past a `pause: {}` step',
  abort: 'Roll back to the stable release: all traffic back, the new instances drained',
  undo: 'Go back to the stable release; after a blue-green switch, while the old release is kept',
};

export function rolloutRoutes(rollouts: RolloutPort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/services/:service/rollout',
      tag: 'rollouts',
      summary: "The service's rollout under way (else the last one): strategy, steps, weights, matches, analyses with their figures",
      params: serviceParamsSchema,
      response: rolloutViewSchema,
      handler: (request) => rollouts.rollout(request.params.env, request.params.service),
    });

    for (const action of rolloutActions) {
      defineRoute(app, {
        method: 'POST',
        url: `/api/v1/environments/:env/services/:service/rollout/${action}`,
        tag: 'rollouts',
        summary: actionSummaries[action],
        access: { action: 'deploy', environment: { param: 'env' } },
        params: serviceParamsSchema,
        body: rolloutActionBodySchema,
        response: rolloutViewSchema,
        audit: ({ params }) => `rollout ${action} ${params?.service ?? '?'} in ${params?.env ?? '?'}`,
        handler: (request) => rollouts.act({ environment: request.params.env, service: request.params.service, action, author: actorOf(request) }),
      });
    }

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/services/:service/parallel',
      tag: 'parallel',
      summary: 'Start a parallel run: a candidate release beside the running one gets a copy of the requests, its answers compared',
      status: 201,
      access: { action: 'deploy', environment: { param: 'env' } },
      params: serviceParamsSchema,
      body: parallelStartBodySchema,
      response: parallelViewSchema,
      audit: ({ params, body }) => `parallel start ${params?.service ?? '?'} ${body?.release ?? body?.version ?? '?'} in ${params?.env ?? '?'}`,
      handler: (request) =>
        rollouts.startParallel({
          environment: request.params.env,
          service: request.params.service,
          ...(request.body.release === undefined ? {} : { release: request.body.release }),
          ...(request.body.version === undefined ? {} : { version: request.body.version }),
          author: actorOf(request),
        }),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/services/:service/parallel',
      tag: 'parallel',
      summary: 'The parallel run and its report: match rate, real differences per endpoint with examples, noise keys filtered',
      params: serviceParamsSchema,
      response: parallelViewSchema,
      handler: (request) => rollouts.parallel(request.params.env, request.params.service),
    });

    defineRoute(app, {
      method: 'DELETE',
      url: '/api/v1/environments/:env/services/:service/parallel',
      tag: 'parallel',
      summary: "Stop the parallel run: the candidate's instances go; answers the last report",
      access: { action: 'deploy', environment: { param: 'env' } },
      params: serviceParamsSchema,
      response: parallelViewSchema,
      audit: ({ params }) => `parallel stop ${params?.service ?? '?'} in ${params?.env ?? '?'}`,
      handler: (request) => rollouts.stopParallel({ environment: request.params.env, service: request.params.service, author: actorOf(request) }),
    });
  };
}
