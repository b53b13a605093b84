/** Preview environments: create one from an environment, list them, delete one. */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { allows } from '../../core/access.js';
import { SkiffError } from '../../core/errors.js';
import { actorOf, callerOf } from '../access-control.js';
import type { PreviewsPort } from '../preview-port.js';
import { defineRoute } from '../route.js';
import { createPreviewBodySchema, previewParamsSchema, previewViewSchema } from '../schemas-previews.js';

export function previewRoutes(previews: PreviewsPort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/previews',
      tag: 'previews',
      summary: 'The preview environments: where each came from, its router and when it expires',
      response: z.array(previewViewSchema),
      handler: () => previews.list(),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/previews',
      tag: 'previews',
      summary: "Create a preview environment from an environment's topology and its current releases, or a git branch's build (one revision)",
      access: { action: 'deploy', environment: { body: 'from' } },
      body: createPreviewBodySchema,
      response: previewViewSchema,
      status: 201,
      audit: ({ body }) => `create preview ${body?.name ?? '?'} from ${body?.from ?? '?'}${body?.ttl ? ` (ttl ${body.ttl})` : ''}`,
      handler: (request) => previews.create({ ...request.body, author: actorOf(request) }),
    });

    defineRoute(app, {
      method: 'DELETE',
      url: '/api/v1/previews/:name',
      tag: 'previews',
      summary: 'Delete a preview environment: its instances stop (a revision without it)',
      // A deployer of the environment the preview came from; checked by the handler, which knows it.
      access: { action: 'deploy', environment: 'any' },
      params: previewParamsSchema,
      response: z.object({ deleted: z.string() }),
      audit: ({ params }) => `delete preview ${params?.name ?? '?'}`,
      handler: async (request) => {
        const { name } = request.params;
        const from = previews.sourceOf(name);
        const caller = callerOf(request);
        if (!allows(caller, 'deploy', from)) {
          throw new SkiffError('SKIFF_FORBIDDEN', `${caller.name} may not delete preview ${name}: it needs deploy in ${from}, where it came from`, {
            path: 'name',
            hint: `ask an admin, or a deployer of ${from}, to delete it (or for a token that may deploy to ${from})`,
          });
        }
        await previews.delete({ name, author: actorOf(request) });
        return { deleted: name };
      },
    });
  };
}
