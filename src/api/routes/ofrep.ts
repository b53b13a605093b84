/**
 * The OpenFeature Remote Evaluation Protocol (OFREP), as its OpenAPI document defines it: single
 * and bulk evaluation, OFREP's bodies and status codes (not Skiff's error format), an ETag on the
 * bulk answer and 304 for a matching If-None-Match. A malformed body is OFREP's PARSE_ERROR, so
 * the JSON is parsed here rather than by fastify.
 *
 * The environment is the token's: a `flags` token names exactly one. A token covering several
 * environments (a person's, for trying things) names one with `?env=E`.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../access-control.js';
import type { FlagsPort } from '../flags-port.js';
import type { RouteAccess } from '../route-access.js';
import type { RouteDoc } from '../route.js';
import { ofrepBulkSchema, ofrepEvaluationSchema, ofrepKeyParamsSchema } from '../schemas-flags.js';
import { installOfrepCors } from '../ofrep-cors.js';
import { ofrepStatus } from '../../flags/ofrep.js';
import { isSkiffError } from '../../core/errors.js';

const access: RouteAccess = { action: 'evaluate', environment: 'any' };
const singleUrl = '/ofrep/v1/evaluate/flags/:key';
const bulkUrl = '/ofrep/v1/evaluate/flags';
const doc = (summary: string, response: RouteDoc['response']): RouteDoc => ({ summary, tag: 'ofrep', status: 200, contentType: 'application/json', response });

type Parsed = { ok: true; context: unknown } | { ok: false; details: string };
type EnvironmentChoice = { ok: true; environment: string } | { ok: false; details: string };

export function ofrepRoutes(flags: FlagsPort): FastifyPluginAsync {
  return async (app) => {
    // Only inside this plugin: the rest of the API keeps fastify's parser and Skiff's error format.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    installOfrepCors(app, [singleUrl, bulkUrl]);

    app.route({
      method: 'POST',
      url: singleUrl,
      schema: { params: ofrepKeyParamsSchema },
      config: { access, doc: doc('OFREP single flag evaluation, in the environment of the token', ofrepEvaluationSchema) },
      handler: async (request: FastifyRequest<{ Params: { key: string } }>, reply) => {
        const { key } = request.params;
        const chosen = environmentOf(request);
        if (!chosen.ok) return reply.code(400).send({ key, errorCode: 'GENERAL', errorDetails: chosen.details });
        const parsed = parseBody(request.body);
        if (!parsed.ok) return reply.code(400).send({ key, errorCode: 'PARSE_ERROR', errorDetails: parsed.details });
        return answer(reply, () => {
          const evaluation = flags.evaluate(chosen.environment, key, parsed.context);
          return reply.code(ofrepStatus(evaluation)).send(evaluation);
        });
      },
    });

    app.route({
      method: 'POST',
      url: bulkUrl,
      config: { access, doc: doc('OFREP bulk evaluation of every flag of the token\'s environment; ETag / If-None-Match → 304', ofrepBulkSchema) },
      handler: async (request, reply) => {
        const chosen = environmentOf(request);
        if (!chosen.ok) return reply.code(400).send({ errorCode: 'GENERAL', errorDetails: chosen.details });
        const parsed = parseBody(request.body);
        if (!parsed.ok) return reply.code(400).send({ errorCode: 'PARSE_ERROR', errorDetails: parsed.details });
        return answer(reply, () => {
          const result = flags.evaluateAll(chosen.environment, parsed.context);
          if (!result.ok) return reply.code(400).send({ errorCode: result.errorCode, errorDetails: result.errorDetails });
          const body = JSON.stringify({ flags: result.flags });
          // The answer is a function of the flags and the context alone: its hash is its version.
          const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
          reply.header('etag', etag);
          if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
          return reply.code(200).type('application/json; charset=utf-8').send(body);
        });
      },
    });
  };
}

/** Faults of the server are OFREP's generalErrorResponse: a 500 with errorDetails only. */
async function answer(reply: FastifyReply, evaluate: () => FastifyReply): Promise<FastifyReply> {
  try {
    return evaluate();
  } catch (error) {
    const details = isSkiffError(error) ? `${error.message}${error.hint ? ` (${error.hint})` : ''}` : 'the flags could not be evaluated';
    if (!isSkiffError(error)) reply.log.error({ err: error }, 'OFREP evaluation failed');
    return reply.code(500).send({ errorDetails: details });
  }
}

function environmentOf(request: FastifyRequest): EnvironmentChoice {
  const caller = callerOf(request);
  const asked = (request.query as Record<string, unknown> | undefined)?.env;
  if (typeof asked === 'string' && asked !== '') {
    if (caller.environments !== null && !caller.environments.includes(asked)) return { ok: false, details: `the token does not cover environment ${asked}` };
    return { ok: true, environment: asked };
  }
  if (caller.environments?.length === 1) return { ok: true, environment: caller.environments[0] as string };
  return { ok: false, details: 'this token covers more than one environment: name one with ?env=E, or use the environment\'s flags token' };
}

function parseBody(body: unknown): Parsed {
  if (body === undefined || body === null || body === '') return { ok: true, context: undefined };
  let data: unknown;
  try {
    data = JSON.parse(String(body));
  } catch (error) {
    return { ok: false, details: `the request body is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, details: 'the request body must be a JSON object: {"context": {...}}' };
  return { ok: true, context: (data as Record<string, unknown>).context };
}

/** If-None-Match: `*`, or a list of tags, weak or strong (a weak comparison, as for GET). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}
