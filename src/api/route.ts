/**
 * Route definitions: each route names its zod schemas once; `defineRoute` registers it with
 * fastify (which validates through `zod-validation.ts`) and attaches the documentation that
 * `openapi.ts` collects, so the document lists exactly the routes that exist.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AccessDeclaration, AuditSummary } from './route-access.js';

export type ResponseContentType = 'application/json' | 'application/x-ndjson' | 'text/event-stream';

export interface RouteDoc {
  readonly summary: string;
  readonly tag: string;
  readonly status: number;
  readonly contentType: ResponseContentType;
  /** For streams, the schema of one line (NDJSON) or one event's data (SSE). */
  readonly response: z.ZodType;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    doc?: RouteDoc;
  }
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

type TypedRequest<B, Q, P> = FastifyRequest<{ Body: Parsed<B>; Querystring: Parsed<Q>; Params: Parsed<P> }>;

/** Fields a refused call may lack or carry unvalidated. */
type Loose<S> = S extends z.ZodType ? Partial<z.output<S>> | undefined : undefined;

/** What an audit summary reads: the request's parts, possibly missing or not validated. */
export interface AuditRequest<B, Q, P> {
  readonly params: Loose<P>;
  readonly query: Loose<Q>;
  readonly body: Loose<B>;
}

interface RouteBase<B, Q, P, R extends z.ZodType> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  readonly body?: B;
  readonly querystring?: Q;
  readonly params?: P;
  readonly response: R;
  /** What the caller's token must allow; by default `read` for GET and `admin` otherwise. */
  readonly access?: AccessDeclaration;
  /**
   * The audit log's summary of a call, e.g. `scale web in prod to 3`; never a secret value.
   * Default: the method and path.
   */
  readonly audit?: (request: AuditRequest<B, Q, P>) => string;
}

export interface JsonRoute<B, Q, P, R extends z.ZodType> extends RouteBase<B, Q, P, R> {
  /** Success status; 200 unless given. */
  readonly status?: number;
  /**
   * The handler returns the same object while its content is unchanged (a cached view): its JSON
   * is then made once and sent as is to every caller.
   */
  readonly reusesResults?: boolean;
  handler(request: TypedRequest<B, Q, P>, reply: FastifyReply): Promise<z.output<R>> | z.output<R>;
}

export interface StreamRoute<B, Q, P, R extends z.ZodType> extends RouteBase<B, Q, P, R> {
  readonly contentType: Exclude<ResponseContentType, 'application/json'>;
  /** Sends a stream through `reply` and returns it. */
  handler(request: TypedRequest<B, Q, P>, reply: FastifyReply): Promise<FastifyReply>;
}

export function defineRoute<
  R extends z.ZodType,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(app: FastifyInstance, route: JsonRoute<B, Q, P, R>): void {
  const status = route.status ?? 200;
  const serialized = new WeakMap<object, string>();
  register(app, route, { status, contentType: 'application/json' }, async (request, reply) => {
    const result = await route.handler(request as TypedRequest<B, Q, P>, reply);
    if (!route.reusesResults || typeof result !== 'object' || result === null) return reply.code(status).send(result);
    let body = serialized.get(result);
    if (body === undefined) {
      body = JSON.stringify(result);
      serialized.set(result, body);
    }
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
}

export function defineStreamRoute<
  R extends z.ZodType,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(app: FastifyInstance, route: StreamRoute<B, Q, P, R>): void {
  register(app, route, { status: 200, contentType: route.contentType }, (request, reply) =>
    route.handler(request as TypedRequest<B, Q, P>, reply),
  );
}

function register<B, Q, P, R extends z.ZodType>(
  app: FastifyInstance,
  route: RouteBase<B, Q, P, R>,
  response: Pick<RouteDoc, 'status' | 'contentType'>,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>,
): void {
  const schema: Record<string, unknown> = {};
  if (route.body) schema['body'] = route.body;
  if (route.querystring) schema['querystring'] = route.querystring;
  if (route.params) schema['params'] = route.params;
  app.route({
    method: route.method,
    url: route.url,
    schema,
    config: {
      doc: { summary: route.summary, tag: route.tag, response: route.response, ...response },
      ...(route.access === undefined ? {} : { access: route.access }),
      ...(route.audit === undefined ? {} : { audit: route.audit as AuditSummary }),
    },
    handler,
  });
}
