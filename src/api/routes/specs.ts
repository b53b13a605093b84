import type { FastifyPluginAsync } from 'fastify';
import type { FastifyRequest } from 'fastify';
import { actorOf, callerOf } from '../access-control.js';
import type { ControlPlane } from '../control-plane.js';
import { defineRoute } from '../route.js';
import { applyBodySchema, applyResultSchema, planResultSchema, specSourceSchema, validationResultSchema } from '../schemas.js';

export function specRoutes(controlPlane: ControlPlane): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/validate',
      tag: 'specs',
      summary: 'Validate a spec without applying it (200 whether valid or not)',
      access: { action: 'read' },
      body: specSourceSchema,
      response: validationResultSchema,
      handler: (request) => controlPlane.validate(request.body, checksFor(request)),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/plan',
      tag: 'specs',
      summary: 'What applying the spec would change, per environment and service; changes nothing (200 whether valid or not)',
      access: { action: 'read' },
      body: specSourceSchema,
      response: planResultSchema,
      handler: (request) => controlPlane.plan(request.body, checksFor(request)),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/apply',
      tag: 'specs',
      summary: 'Save the spec as a new revision and converge every environment to it (422 when invalid)',
      access: { action: 'admin' },
      body: applyBodySchema,
      response: applyResultSchema,
      audit: ({ body }) => `apply ${body?.file ?? 'a spec'}`,
      handler: (request) => {
        const { text, file, baseDir, message } = request.body;
        return controlPlane.apply({ text, file, baseDir }, { author: actorOf(request), ...(message === undefined ? {} : { message }) });
      },
    });
  };
}

/** Only those who may change things learn which directories exist on the server. */
function checksFor(request: FastifyRequest): { machineChecks: boolean } {
  return { machineChecks: callerOf(request).role !== 'viewer' };
}
