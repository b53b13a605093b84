import type { FastifyPluginAsync } from 'fastify';
import { defineRoute } from '../route.js';
import { healthSchema } from '../schemas.js';

/** Liveness: answers while the API server runs, whatever the state of the system. */
export function healthRoutes(version: string): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/health',
      tag: 'system',
      summary: 'Liveness of the API server (needs no token)',
      access: 'public',
      response: healthSchema,
      handler: () => ({ ok: true as const, version }),
    });
  };
}
