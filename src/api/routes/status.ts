import type { FastifyPluginAsync } from 'fastify';
import type { ControlPlane } from '../control-plane.js';
import type { SourcesPort } from '../sources-port.js';
import { defineRoute } from '../route.js';
import { environmentNamesSchema, environmentParamsSchema, statusReportSchema } from '../schemas.js';

export function statusRoutes(controlPlane: ControlPlane, sources?: SourcesPort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments',
      tag: 'status',
      summary: 'Names of the environments in the current revision',
      response: environmentNamesSchema,
      handler: () => [...controlPlane.environments()],
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/status',
      tag: 'status',
      summary: 'Services and instances of one environment, desired and observed',
      params: environmentParamsSchema,
      response: statusReportSchema,
      reusesResults: true,
      handler: (request) => {
        const report = controlPlane.status(request.params.env);
        // Only an environment that follows a repository gets a new object (the others keep the cached one).
        const sync = sources?.statusOrNull(request.params.env);
        return sync ? { ...report, sync: { state: sync.state, commit: sync.synced?.commit ?? null, head: sync.head?.sha ?? null, error: sync.error?.message ?? null } } : report;
      },
    });
  };
}
