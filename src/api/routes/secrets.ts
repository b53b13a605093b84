import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../access-control.js';
import type { ControlPlane, SecretChange, SecretInfo } from '../control-plane.js';
import { unredactableWarnings } from '../../monitoring/log-redaction.js';
import { defineRoute } from '../route.js';
import {
  secretChangeSchema,
  secretListSchema,
  secretParamsSchema,
  serviceParamsSchema,
  setSecretsBodySchema,
  unsetSecretQuerySchema,
} from '../schemas.js';

/** Secret values go in and never come out: every answer names secrets, with versions, and nothing else. */
export function secretRoutes(controlPlane: ControlPlane): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'PUT',
      url: '/api/v1/environments/:env/services/:service/secrets',
      tag: 'secrets',
      summary: 'Set secrets of a service in an environment (encrypted at rest); a running service gets a new release',
      access: { action: 'admin' },
      params: serviceParamsSchema,
      body: setSecretsBodySchema,
      response: secretChangeSchema,
      // Names only: a value never reaches the audit log.
      audit: ({ params, body }) =>
        `set secrets ${Object.keys(body?.values ?? {}).join(', ') || '?'} of ${params?.service} in ${params?.env}`,
      handler: async (request) => ({
        ...namesOnly(
          await controlPlane.setSecrets({
            environment: request.params.env,
            service: request.params.service,
            values: request.body.values,
            author: actorOf(request),
          }),
        ),
        warnings: unredactableWarnings(request.body.values),
      }),
    });

    defineRoute(app, {
      method: 'DELETE',
      url: '/api/v1/environments/:env/services/:service/secrets/:name',
      tag: 'secrets',
      summary: 'Remove a secret; a running service gets a new release without it',
      access: { action: 'admin' },
      params: secretParamsSchema,
      querystring: unsetSecretQuerySchema,
      response: secretChangeSchema,
      audit: ({ params }) => `unset secret ${params?.name} of ${params?.service} in ${params?.env}`,
      handler: async (request) =>
        namesOnly(
          await controlPlane.unsetSecret({
            environment: request.params.env,
            service: request.params.service,
            name: request.params.name,
            author: actorOf(request),
          }),
        ),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/services/:service/secrets',
      tag: 'secrets',
      summary: 'Names, versions, authors and times of the secrets of a service; never their values',
      params: serviceParamsSchema,
      response: secretListSchema,
      handler: (request) => controlPlane.secrets(request.params.env, request.params.service).map(infoOnly),
    });
  };
}

// Responses are sent as the control plane returns them; copying the known fields keeps a value
// out of the answer even if an implementation ever carried one along.
function infoOnly({ name, version, updatedAt, author }: SecretInfo): SecretInfo {
  return { name, version, updatedAt, author };
}

function namesOnly(change: SecretChange): SecretChange {
  return { secrets: change.secrets.map(infoOnly), release: change.release };
}
