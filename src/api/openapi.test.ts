import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { MemoryControlPlane } from './testing/memory-control-plane.js';
import { createTestAccess, injectWith, type Inject, type TestAccess } from './testing/test-access.js';

let app: FastifyInstance;
let access: TestAccess;
let inject: Inject;
beforeAll(() => {
  access = createTestAccess();
  app = buildApp({ controlPlane: new MemoryControlPlane(), tokens: access.tokens, audit: access.audit, version: '2.3.4' });
  inject = injectWith(app, access.token('reader', 'viewer'));
});
afterAll(async () => {
  await app.close();
  access.close();
});

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { required: boolean; content: Record<string, { schema: { properties: Record<string, unknown>; required?: string[] } }> };
  responses: Record<string, { content: Record<string, unknown> }>;
  security?: unknown[];
  'x-skiff-access': { public?: true; action?: string; environment?: unknown };
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 JSON listing every route with its schemas', async () => {
    const response = await inject('/api/openapi.json');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/json');
    const document = JSON.parse(response.body) as {
      openapi: string;
      info: { version: string };
      paths: Record<string, Record<string, Operation>>;
      security: unknown[];
      components: { schemas: Record<string, { required: string[] }>; securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe('2.3.4');

    const listed = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual(
      [
        'GET /api/openapi.json',
        'GET /api/v1/health',
        'POST /api/v1/validate',
        'POST /api/v1/apply',
        'GET /api/v1/environments',
        'GET /api/v1/environments/{env}/status',
        'POST /api/v1/environments/{env}/services/{service}/scale',
        'GET /api/v1/environments/{env}/services/{service}/logs',
        'GET /api/v1/events',
        'GET /api/v1/events/stream',
        'GET /api/v1/revisions',
        'POST /api/v1/services/{service}/build',
        'GET /api/v1/services/{service}/artifacts',
        'POST /api/v1/environments/{env}/services/{service}/deploy',
        'POST /api/v1/environments/{env}/services/{service}/rollback',
        'POST /api/v1/services/{service}/promote',
        'GET /api/v1/environments/{env}/services/{service}/releases',
        'POST /api/v1/system/stop',
        'POST /api/v1/plan',
        'POST /api/v1/environments/{env}/restore',
        'PUT /api/v1/environments/{env}/services/{service}/secrets',
        'GET /api/v1/environments/{env}/services/{service}/secrets',
        'DELETE /api/v1/environments/{env}/services/{service}/secrets/{name}',
        'GET /api/v1/session',
        'POST /api/v1/tokens',
        'GET /api/v1/tokens',
        'DELETE /api/v1/tokens/{name}',
        'GET /api/v1/audit',
      ].sort(),
    );

    const scale = document.paths['/api/v1/environments/{env}/services/{service}/scale']!['post']!;
    expect(scale.parameters?.map((p) => [p.name, p.in, p.required])).toEqual([
      ['env', 'path', true],
      ['service', 'path', true],
    ]);
    const body = scale.requestBody!.content['application/json']!.schema;
    expect(body.required).toEqual(['instances']);
    expect(Object.keys(scale.responses)).toEqual(['200', 'default']);

    const apply = document.paths['/api/v1/apply']!['post']!;
    expect(apply.requestBody!.content['application/json']!.schema.required).toEqual(['text', 'file', 'baseDir']);

    const logs = document.paths['/api/v1/environments/{env}/services/{service}/logs']!['get']!;
    expect(logs.parameters?.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['tail', 'instance', 'release', 'sinceMs', 'grep', 'follow']);
    expect(Object.keys(logs.responses['200']!.content)).toEqual(['application/x-ndjson']);
    expect(Object.keys(document.paths['/api/v1/system/stop']!['post']!.responses)).toContain('202');

    const deploy = document.paths['/api/v1/environments/{env}/services/{service}/deploy']!['post']!;
    expect(deploy.requestBody!.content['application/json']!.schema.required).toEqual(['version']);
    expect(Object.keys(deploy.responses)).toEqual(['201', 'default']);
    const promote = document.paths['/api/v1/services/{service}/promote']!['post']!;
    expect(promote.requestBody!.content['application/json']!.schema.required).toEqual(['from', 'to']);
    const rollback = document.paths['/api/v1/environments/{env}/services/{service}/rollback']!['post']!;
    expect(rollback.requestBody!.required).toBe(false);
    expect(rollback.requestBody!.content['application/json']!.schema.required ?? []).toEqual([]);
    expect(deploy.requestBody!.required).toBe(true);

    const setSecrets = document.paths['/api/v1/environments/{env}/services/{service}/secrets']!['put']!;
    expect(setSecrets.requestBody!.content['application/json']!.schema.required).toEqual(['values']);
    const unset = document.paths['/api/v1/environments/{env}/services/{service}/secrets/{name}']!['delete']!;
    expect(unset.parameters?.map((p) => [p.name, p.in])).toEqual([
      ['env', 'path'],
      ['service', 'path'],
      ['name', 'path'],
      ['author', 'query'],
    ]);
    const restore = document.paths['/api/v1/environments/{env}/restore']!['post']!;
    expect(restore.requestBody!.content['application/json']!.schema.required).toEqual(['to']);
    expect(Object.keys(restore.responses)).toEqual(['201', 'default']);
    const revisions = document.paths['/api/v1/revisions']!['get']!;
    expect(revisions.parameters?.map((p) => p.name)).toEqual(['limit', 'environment']);

    const errorRef = scale.responses['default']!.content['application/json'] as { schema: { $ref: string } };
    expect(errorRef.schema.$ref).toBe('#/components/schemas/Error');
    expect(document.components.schemas['Error']?.required).toEqual(['code', 'message']);

    // Every operation needs a bearer token except liveness, and says what the token must allow.
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.components.securitySchemes['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/api/v1/health']!['get']!.security).toEqual([]);
    expect(document.paths['/api/v1/health']!['get']!['x-skiff-access']).toEqual({ public: true });
    expect(scale['x-skiff-access']).toEqual({ action: 'deploy', environment: { param: 'env' } });
    expect(promote['x-skiff-access']).toEqual({ action: 'deploy', environment: { body: 'to' } });
    expect(setSecrets['x-skiff-access']).toEqual({ action: 'admin', environment: 'all' });
    expect(logs['x-skiff-access']).toEqual({ action: 'read', environment: 'all' });
    const publicOperations = Object.values(document.paths).flatMap((operations) => Object.values(operations).filter((op) => op.security));
    expect(publicOperations.map((op) => op.operationId)).toEqual(['getHealth']);

    const ids = listed.length;
    const operationIds = new Set(
      Object.values(document.paths).flatMap((operations) => Object.values(operations).map((op) => op.operationId)),
    );
    expect(operationIds.size).toBe(ids);
  });
});
