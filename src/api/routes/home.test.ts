import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { homeRoutes } from './home.js';

let dir: string;
let app: FastifyInstance;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-ui-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  fs.writeFileSync(path.join(os.tmpdir(), 'skiff-secret.txt'), 'secret');
  app = Fastify();
  app.register(homeRoutes({ dir }));
  app.get('/api/v1/health', async () => ({ ok: true }));
  await app.ready();
});
afterEach(async () => {
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard files', () => {
  it('serves index.html at / and for client-side paths, revalidated each time', async () => {
    for (const url of ['/', '/pipelines', '/environments/dev/services/web?x=1']) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toContain('<div id="app">');
    }
  });

  it('sends a content security policy, refuses framing and sniffing on every dashboard file', async () => {
    for (const url of ['/', '/pipelines', '/assets/index-abc.js']) {
      const headers = (await app.inject(url)).headers;
      expect(headers['content-security-policy'], url).toContain("default-src 'self'");
      expect(headers['content-security-policy'], url).toContain("frame-ancestors 'none'");
      expect(headers['x-frame-options'], url).toBe('DENY');
      expect(headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  it('serves hashed assets with their type, cached for good', async () => {
    const response = await app.inject('/assets/index-abc.js');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/javascript');
    expect(response.headers['cache-control']).toContain('immutable');
    expect(response.body).toBe('console.log(1)');
  });

  it('leaves API paths and missing files as 404s and never leaves its directory', async () => {
    expect((await app.inject('/api/v1/health')).json()).toEqual({ ok: true });
    expect((await app.inject('/api/v1/nope')).statusCode).toBe(404);
    expect((await app.inject('/assets/missing.js')).statusCode).toBe(404);
    expect((await app.inject('/..%2fskiff-secret.txt')).statusCode).toBe(404);
    expect((await app.inject('/%2e%2e/%2e%2e/etc/passwd')).body).not.toContain('root:');
  });

  it('says how to build the dashboard when it is not built', async () => {
    fs.rmSync(path.join(dir, 'index.html'));
    const response = await app.inject('/');
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
  });
});
