import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../access-control.js';
import { defineRoute } from '../route.js';
import type { VolumeBackup, VolumeDeleted, VolumeInfo, VolumePort } from '../volume-port.js';

export const volumeBackupSchema: z.ZodType<VolumeBackup> = z
  .object({
    id: z.string().describe('e.g. 20261206T150405Z-1a2b3c'),
    environment: z.string(),
    service: z.string(),
    volume: z.string(),
    file: z.string().describe('the tar file on the server'),
    size: z.number().int().describe('bytes'),
    createdAt: z.string(),
  })
  .describe('a tar snapshot of a volume');

export const volumeInfoSchema: z.ZodType<VolumeInfo> = z
  .object({
    environment: z.string(),
    service: z.string(),
    name: z.string(),
    path: z.string().describe('where a container or pod sees it'),
    driver: z.string(),
    location: z.string().describe('where its data is kept'),
    exists: z.boolean().nullable(),
    backups: z.array(volumeBackupSchema).describe('newest first'),
  })
  .describe('a volume of a service in an environment');

export const volumeDeletedSchema: z.ZodType<VolumeDeleted> = z
  .object({ environment: z.string(), service: z.string(), volume: z.string(), location: z.string().describe('where its data was') })
  .describe('a volume deleted with its data');

const volumeParamsSchema = z.strictObject({ env: z.string().min(1), service: z.string().min(1), volume: z.string().min(1) });

export function volumeRoutes(volumes: VolumePort): FastifyPluginAsync {
  return async (app) => {
    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/volumes',
      tag: 'volumes',
      summary: 'The volumes of the services, per environment, with their backups',
      querystring: z.strictObject({ environment: z.string().optional().describe('only this environment') }),
      response: z.array(volumeInfoSchema),
      handler: async (request) => [...(await volumes.list(request.query.environment))],
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/services/:service/volumes/:volume/backups',
      tag: 'volumes',
      summary: 'Make a tar snapshot of a volume, kept on the server',
      params: volumeParamsSchema,
      response: volumeBackupSchema,
      status: 201,
      access: { action: 'deploy', environment: { param: 'env' } },
      audit: ({ params }) => `back up volume ${params?.volume} of ${params?.service} in ${params?.env}`,
      handler: (request) =>
        volumes.backup({ environment: request.params.env, service: request.params.service, name: request.params.volume, author: actorOf(request) }),
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/services/:service/volumes/:volume/restore',
      tag: 'volumes',
      summary: "Replace a volume's files with a backup's; refused (409) while the service has instances",
      params: volumeParamsSchema,
      body: z.strictObject({ backup: z.string().min(1).describe('the backup id') }),
      response: volumeBackupSchema,
      access: { action: 'deploy', environment: { param: 'env' } },
      audit: ({ params, body }) => `restore volume ${params?.volume} of ${params?.service} in ${params?.env} from ${body?.backup}`,
      handler: (request) =>
        volumes.restore({
          environment: request.params.env,
          service: request.params.service,
          name: request.params.volume,
          backup: request.body.backup,
          author: actorOf(request),
        }),
    });

    defineRoute(app, {
      method: 'DELETE',
      url: '/api/v1/environments/:env/services/:service/volumes/:volume',
      tag: 'volumes',
      summary: 'Delete a volume with its data (a Kubernetes claim too); refused (409) while the service declares it and has instances',
      params: volumeParamsSchema,
      response: volumeDeletedSchema,
      access: { action: 'deploy', environment: { param: 'env' } },
      audit: ({ params }) => `delete volume ${params?.volume} of ${params?.service} in ${params?.env}`,
      handler: (request) => volumes.remove({ environment: request.params.env, service: request.params.service, name: request.params.volume, author: actorOf(request) }),
    });
  };
}
