import type { FastifyPluginAsync } from 'fastify';
import { defineRoute } from '../route.js';
import { environmentParamsSchema } from '../schemas.js';
import { diffSchema, hookResultSchema, syncBodySchema, syncStatusListSchema, syncStatusSchema } from '../schemas-sources.js';
import type { SourcesPort } from '../sources-port.js';

/** GitOps: sync state, drift, a sync on request, and the push webhook. */
export function sourceRoutes(sources: SourcesPort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/sources',
      tag: 'sources',
      summary: 'The sync state of every environment that follows a git repository',
      response: syncStatusListSchema,
      handler: () => [...sources.statuses()],
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/sync',
      tag: 'sources',
      summary: 'The sync state of an environment that follows a git repository: commits, refusals, drift',
      params: environmentParamsSchema,
      response: syncStatusSchema,
      handler: (request) => sources.status(request.params.env),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/sync',
      tag: 'sources',
      summary: 'Fetch the repository and sync the environment now; answers once done',
      access: { action: 'deploy', environment: { param: 'env' } },
      params: environmentParamsSchema,
      body: syncBodySchema,
      response: syncStatusSchema,
      audit: ({ params, body }) => `sync ${params?.env}${body?.force ? ' (force)' : ''}`,
      handler: (request) => sources.sync(request.params.env, { force: request.body.force ?? false }),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/diff',
      tag: 'sources',
      summary: 'What differs between the synced commit and what the environment has applied now',
      params: environmentParamsSchema,
      response: diffSchema,
      handler: (request) => sources.diff(request.params.env),
    });

    // Its own scope: the signature is over the raw bytes, so the body is not parsed as JSON here.
    app.register(async (hooks) => {
      hooks.removeAllContentTypeParsers();
      hooks.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      defineRoute(hooks, {
        method: 'POST',
        url: '/api/v1/hooks/git',
        tag: 'sources',
        summary: 'A push event from GitHub (X-Hub-Signature-256), GitLab (X-Gitlab-Token) or Gitea (X-Gitea-Signature): syncs the sources it is signed for at once',
        // The forge has no Skiff token: the signature with the source's secret stands for it.
        access: 'public',
        status: 202,
        response: hookResultSchema,
        handler: (request) => {
          const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          return sources.hook({ headers: request.headers, body, address: request.ip });
        },
      });
    });
  };
}
