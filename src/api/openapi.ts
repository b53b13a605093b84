/**
 * The OpenAPI 3.1 document, generated from the routes as fastify registers them: every route
 * defined with `defineRoute` carries its zod schemas, so the document cannot list a route that
 * does not exist or miss one that does.
 */
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { z } from 'zod';
import type { RouteDoc } from './route.js';
import { defineRoute } from './route.js';
import { defaultAccess, type AccessDeclaration } from './route-access.js';
import { errorBodySchema } from './schemas.js';

interface CollectedRoute {
  readonly method: string;
  readonly url: string;
  readonly schema: FastifySchema;
  readonly doc: RouteDoc;
  readonly access: AccessDeclaration;
}

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = JsonSchema & { readonly openapi: '3.1.0' };

export const openApiPath = '/api/openapi.json';

/** Must be called before any route is registered so the `onRoute` hook sees them all. */
export function serveOpenApi(app: FastifyInstance, info: { readonly title: string; readonly version: string }): void {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (options: RouteOptions) => {
    const doc = options.config?.doc;
    if (!doc) return;
    for (const method of [options.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: options.url, schema: options.schema ?? {}, doc, access: options.config?.access ?? defaultAccess(method) });
    }
  });
  let document: OpenApiDocument | undefined;
  defineRoute(app, {
    method: 'GET',
    url: openApiPath,
    tag: 'meta',
    summary: 'This OpenAPI 3.1 document',
    response: z.looseObject({ openapi: z.literal('3.1.0') }),
    handler: () => (document ??= buildOpenApiDocument(routes, info)),
  });
}

export function buildOpenApiDocument(
  routes: readonly CollectedRoute[],
  info: { readonly title: string; readonly version: string },
): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version },
    paths,
    // Every operation needs a bearer token unless it says `security: []`.
    security: [{ bearer: [] }],
    components: {
      schemas: { Error: jsonSchema(errorBodySchema) },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a Skiff token: skiff_<id>_<secret>' } },
    },
  };
}

function operation(route: CollectedRoute): JsonSchema {
  const { doc, schema } = route;
  const parameters = [...parametersOf(schema.params, 'path'), ...parametersOf(schema.querystring, 'query')];
  const body = schema.body as z.ZodType | undefined;
  return {
    operationId: operationId(route.method, route.url),
    summary: doc.summary,
    tags: [doc.tag],
    ...(route.access === 'public' ? { security: [] } : {}),
    'x-skiff-access': accessDocument(route.access),
    ...(parameters.length ? { parameters } : {}),
    ...(body
      ? { requestBody: { required: !body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(body) } } } }
      : {}),
    responses: {
      [String(doc.status)]: { description: 'success', content: { [doc.contentType]: responseMedia(doc) } },
      default: {
        description: 'an error; the status follows from the code',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
  };
}

/** What the caller's token must allow: `public`, or the action and where its environment comes from. */
function accessDocument(access: AccessDeclaration): JsonSchema {
  if (access === 'public') return { public: true };
  const source = access.environment;
  const environment = source === undefined ? 'all' : source === 'any' ? 'any' : 'param' in source ? { param: source.param } : { body: source.body };
  return { action: access.action, environment };
}

function responseMedia(doc: RouteDoc): JsonSchema {
  const item = jsonSchema(doc.response);
  switch (doc.contentType) {
    case 'application/json':
      return { schema: item };
    case 'application/x-ndjson':
      return { schema: { type: 'string', description: 'one JSON object per line' }, 'x-itemSchema': item };
    case 'text/event-stream':
      return { schema: { type: 'string', description: 'Server-Sent Events; each `data:` is one JSON object' }, 'x-itemSchema': item };
  }
}

function parametersOf(schema: unknown, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = jsonSchema(schema as z.ZodType);
  const properties = (json['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function jsonSchema(schema: z.ZodType): JsonSchema {
  // Input mode also for responses: it leaves objects open to extra fields, which is the truth
  // (the control plane may add fields and clients must tolerate them).
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest as JsonSchema;
}

function operationId(method: string, url: string): string {
  const words = url
    .replace(/^\/api(\/v1)?/, '')
    .split(/[/:.-]/)
    .filter(Boolean);
  return method.toLowerCase() + words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}
