/** Tokens (admin only), the caller's session, and the audit log (read only: nothing edits it). */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { SkiffError } from '../../core/errors.js';
import { callerOf } from '../access-control.js';
import type { AuditPort, TokenPort } from '../access-port.js';
import type { ControlPlane } from '../control-plane.js';
import { defineRoute } from '../route.js';
import {
  auditEntrySchema,
  auditQuerySchema,
  createTokenBodySchema,
  newTokenSchema,
  sessionSchema,
  tokenInfoSchema,
  tokenNameParamsSchema,
} from '../schemas-access.js';

export function accessRoutes(deps: { readonly tokens: TokenPort; readonly audit: AuditPort; readonly controlPlane: ControlPlane }): FastifyPluginAsync {
  const { tokens, audit, controlPlane } = deps;
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/session',
      tag: 'access',
      summary: 'Who the token in the request stands for: name, role and environments',
      response: sessionSchema,
      handler: (request) => {
        const { name, role, environments } = callerOf(request);
        return { name, role, environments: environments === null ? null : [...environments] };
      },
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/tokens',
      tag: 'access',
      summary: 'Create a token; the answer holds the token, shown this once (only a hash is stored)',
      status: 201,
      access: { action: 'admin' },
      body: createTokenBodySchema,
      response: newTokenSchema,
      audit: ({ body }) =>
        `create token ${body?.name ?? '?'} (${body?.role ?? '?'}${body?.environments ? `: ${body.environments.join(', ')}` : ''})`,
      handler: (request) => {
        const { name, role, environments } = request.body;
        if (environments) checkEnvironments(environments, controlPlane.environments());
        return tokens.create({ name, role, environments: environments ?? null, createdBy: callerOf(request).name });
      },
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/tokens',
      tag: 'access',
      summary: 'The tokens not revoked: names, roles, environments, creators and last use; never the tokens',
      access: { action: 'admin' },
      response: z.array(tokenInfoSchema),
      handler: () => [...tokens.list()],
    });

    defineRoute(app, {
      method: 'DELETE',
      url: '/api/v1/tokens/:name',
      tag: 'access',
      summary: 'Revoke a token: it is refused from now on',
      access: { action: 'admin' },
      params: tokenNameParamsSchema,
      response: tokenInfoSchema,
      audit: ({ params }) => `revoke token ${params?.name ?? '?'}`,
      handler: (request) => tokens.revoke(request.params.name),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/audit',
      tag: 'access',
      summary: 'The audit log, newest first: every change asked of the API and every refused request',
      querystring: auditQuerySchema,
      response: z.array(auditEntrySchema),
      handler: (request) => [...audit.list(request.query)],
    });
  };
}

/** A typo in an environment name would make a token that can never deploy anywhere. */
function checkEnvironments(environments: readonly string[], known: readonly string[]): void {
  // Before anything is applied there are no environments to check against.
  if (known.length === 0) return;
  environments.forEach((environment, index) => {
    if (!known.includes(environment)) {
      throw new SkiffError('SKIFF_BAD_REQUEST', `body.environments.${index}: there is no environment "${environment}"`, {
        path: `body.environments.${index}`,
        hint: `environments: ${known.join(', ')}`,
      });
    }
  });
}
