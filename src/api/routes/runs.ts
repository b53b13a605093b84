/**
 * Command runs: `skiff run` starts one (POST), follows its output (an NDJSON stream ending with
 * the run as it ended), feeds its standard input (PUT of a streamed body: the end of the body is
 * the end of its input) and stops it (Ctrl-C); `skiff runs` lists them. Three plain HTTP
 * requests instead of an upgraded connection: each works through any proxy, and each can be
 * retried or replaced on its own.
 */
import { Stream } from 'node:stream';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { SkiffError } from '../../core/errors.js';
import { actorOf } from '../access-control.js';
import { trackStreams } from '../open-stream.js';
import { defineRoute, defineStreamRoute } from '../route.js';
import type { CommandRunOutputLine, RunPort } from '../run-port.js';
import { commandRunViewSchema, runListQuerySchema, runOutputLineSchema, runOutputQuerySchema, runParamsSchema, serviceParamsSchema, startRunBodySchema } from '../schemas-runs.js';

const ndjson = (line: CommandRunOutputLine): string => `${JSON.stringify(line)}\n`;
const deployer = { action: 'deploy', environment: { param: 'env' } } as const;

export function runRoutes(runs: RunPort): FastifyPluginAsync {
  return async (app) => {
    const streams = trackStreams(app);
    // The standard input of a run arrives as it is typed: the body is handed over as a stream.
    app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/services/:service/runs',
      tag: 'runs',
      summary: "Run a command with the environment's current release of the service (its artifact, config, secrets, driver and limits); answers once it runs",
      status: 201,
      access: deployer,
      params: serviceParamsSchema,
      body: startRunBodySchema,
      response: commandRunViewSchema,
      audit: ({ params, body }) => `run ${JSON.stringify(body?.command ?? [])} with ${params?.service ?? '?'} in ${params?.env ?? '?'}`,
      handler: (request) =>
        runs.start({
          environment: request.params.env,
          service: request.params.service,
          command: request.body.command,
          stdin: request.body.stdin,
          author: actorOf(request),
        }),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/services/:service/runs',
      tag: 'runs',
      summary: "The service's command runs in the environment, newest first: one-off runs, release commands, job runs",
      params: serviceParamsSchema,
      querystring: runListQuerySchema,
      response: z.array(commandRunViewSchema).readonly(),
      handler: (request) => runs.list({ environment: request.params.env, service: request.params.service, limit: request.query.limit }),
    });

    defineRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/runs/:id',
      tag: 'runs',
      summary: 'One command run: its command, release, author, state, exit code and duration',
      params: runParamsSchema,
      response: commandRunViewSchema,
      handler: (request) => runs.get(request.params.env, request.params.id),
    });

    defineStreamRoute(app, {
      method: 'GET',
      url: '/api/v1/environments/:env/runs/:id/output',
      tag: 'runs',
      summary: "A run's output from its start as NDJSON `{output}` chunks, then `{run}` as it is (ended, with follow=true)",
      // Output can hold what a command printed of its secrets: deployers only.
      access: deployer,
      params: runParamsSchema,
      querystring: runOutputQuerySchema,
      contentType: 'application/x-ndjson',
      response: runOutputLineSchema,
      handler: async (request, reply) => {
        const { env, id } = request.params;
        // Looked up before any byte is sent, so an unknown run is still a proper error answer.
        runs.get(env, id);
        const stream = streams.open(reply, 'application/x-ndjson');
        void runs
          .output(env, id, { follow: request.query.follow, signal: stream.signal }, (output) => stream.write(ndjson({ output })))
          .then((run) => stream.write(ndjson({ run })))
          .catch((error: unknown) => request.log.error({ err: error }, 'streaming the output of a run failed'))
          .finally(() => stream.end());
        return reply;
      },
    });

    defineRoute(app, {
      method: 'PUT',
      url: '/api/v1/environments/:env/runs/:id/stdin',
      tag: 'runs',
      summary: "Feed a run's standard input (started with stdin: true): the body (application/octet-stream) is copied as it arrives; its end is the end of the input",
      access: deployer,
      params: runParamsSchema,
      response: commandRunViewSchema,
      audit: ({ params }) => `input to run ${params?.id ?? '?'} in ${params?.env ?? '?'}`,
      handler: async (request) => {
        const { env, id } = request.params;
        const body: unknown = request.body;
        if (!(body instanceof Stream)) {
          throw new SkiffError('SKIFF_BAD_REQUEST', 'the input of a run is sent as `content-type: application/octet-stream`', {
            hint: 'stream the bytes as the body; its end is the end of the input',
          });
        }
        await runs.input(env, id, body as Readable);
        return runs.get(env, id);
      },
    });

    defineRoute(app, {
      method: 'POST',
      url: '/api/v1/environments/:env/runs/:id/stop',
      tag: 'runs',
      summary: 'Stop a run: SIGTERM to its process group (or container), SIGKILL after the service\'s stop grace',
      access: deployer,
      params: runParamsSchema,
      response: commandRunViewSchema,
      audit: ({ params }) => `stop run ${params?.id ?? '?'} in ${params?.env ?? '?'}`,
      handler: (request) => runs.stop(request.params.env, request.params.id, actorOf(request)),
    });
  };
}
