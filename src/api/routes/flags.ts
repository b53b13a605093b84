/** Run-time flag changes per environment: list, get, set, rollout, reset, and their revisions. */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../access-control.js';
import type { FlagsPort } from '../flags-port.js';
import { defineRoute } from '../route.js';
import { environmentParamsSchema } from '../schemas.js';
import {
  flagChangeResultSchema,
  flagParamsSchema,
  flagRevisionSchema,
  flagViewSchema,
  revisionsQuerySchema,
  rolloutFlagBodySchema,
  setFlagBodySchema,
} from '../schemas-flags.js';

const deployHere = { action: 'deploy', environment: { param: 'env' } } as const;

export function flagRoutes(flags: FlagsPort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/flags',
      tag: 'flags',
      summary: 'The flags of an environment as evaluated now, and where each definition comes from',
      params: environmentParamsSchema,
      response: z.array(flagViewSchema),
      handler: (request) => flags.list(request.params.env),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/flags/:flag',
      tag: 'flags',
      summary: 'One flag as the environment evaluates it',
      params: flagParamsSchema,
      response: flagViewSchema,
      handler: (request) => flags.get(request.params.env, request.params.flag),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/flags/:flag',
      tag: 'flags',
      summary: 'Set a flag\'s state or default variant at run time (no deploy); recorded as a flag revision',
      access: deployHere,
      params: flagParamsSchema,
      body: setFlagBodySchema,
      response: flagChangeResultSchema,
      audit: ({ params, body }) => `set flag ${params?.flag} in ${params?.env}: ${JSON.stringify(body ?? {})}`,
      handler: (request) =>
        flags.change({ environment: request.params.env, key: request.params.flag, change: { kind: 'set', ...request.body }, actor: actorOf(request) }),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/flags/:flag/rollout',
      tag: 'flags',
      summary: 'Roll a variant out to a share of targeting keys (a fractional split); recorded as a flag revision',
      access: deployHere,
      params: flagParamsSchema,
      body: rolloutFlagBodySchema,
      response: flagChangeResultSchema,
      audit: ({ params, body }) => `roll out flag ${params?.flag} in ${params?.env} to ${body?.percent ?? '?'}%${body?.variant ? ` (${body.variant})` : ''}`,
      handler: (request) =>
        flags.change({ environment: request.params.env, key: request.params.flag, change: { kind: 'rollout', ...request.body }, actor: actorOf(request) }),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/flags/:flag/reset',
      tag: 'flags',
      summary: 'Drop the run-time change of a flag: the spec\'s definition applies again',
      access: deployHere,
      params: flagParamsSchema,
      response: flagChangeResultSchema,
      audit: ({ params }) => `reset flag ${params?.flag} in ${params?.env} to the spec`,
      handler: (request) => flags.reset({ environment: request.params.env, key: request.params.flag, actor: actorOf(request) }),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/flags/:flag/revisions',
      tag: 'flags',
      summary: 'The run-time changes of a flag, newest first: who, when, what, before and after',
      params: flagParamsSchema,
      querystring: revisionsQuerySchema,
      response: z.array(flagRevisionSchema),
      handler: (request) => flags.revisions(request.params.env, request.params.flag, request.query.limit),
    });
  };
}
