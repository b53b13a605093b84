import { describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../spec/desired.js';
import { resolveFromSource } from '../spec/testing/resolve-from-source.js';
import { specSchema } from '../spec/schema.js';
import { planRouteTable, trafficKey } from './route-planner.js';

const spec = specSchema.parse({
  name: 'shop',
  services: {
    catalog: { start: 'node server.js', routes: [{ path: '/catalog', stripPrefix: true }] },
    web: { start: ['node', 'web.js'], routes: [{ path: '/' }, { host: 'Shop.Example', path: '/' }] },
  },
  environments: { dev: {} },
});

describe('planRouteTable', () => {
  it('routes every declared route to the ready instances of its service only', () => {
    const env = resolveFromSource(spec, 'dev', '/srv');
    const table = planRouteTable(
      [env],
      [
        { id: 'catalog-b', environment: 'dev', service: 'catalog', release: 'v1', address: { host: '127.0.0.1', port: 4002 } },
        { id: 'catalog-a', environment: 'dev', service: 'catalog', release: 'v1', address: { host: '127.0.0.1', port: 4001 } },
      ],
      7,
      0,
    );
    expect(table.version).toBe(7);
    expect(table.routes.map((r) => [r.id, r.host ?? null, r.pathPrefix, r.backends.map((b) => b.port)])).toEqual([
      ['dev/catalog/0', null, '/catalog', [4001, 4002]],
      ['dev/web/0', null, '/', []],
      ['dev/web/1', 'shop.example', '/', []],
    ]);
    expect(table.routes[0]).toMatchObject({ stripPrefix: true, retryMethods: ['GET', 'HEAD', 'OPTIONS'], balance: 'least-request' });
  });
});

describe('planRouteTable resilience settings', () => {
  it('passes route timeouts, budgets, limits and hold settings to the table in milliseconds and bytes', () => {
    const withSettings = specSchema.parse({
      name: 'shop',
      services: {
        api: {
          start: 'node api.js',
          routes: [
            {
              path: '/api',
              timeouts: { connect: '1s', firstByte: '2s', idle: '3s', total: 0 },
              retryBudget: { percent: 10 },
              circuitBreaker: { consecutiveFailures: 3, ejection: '30s', maxConcurrent: 100 },
              rateLimit: { requestsPerSecond: 5, header: 'x-api-key' },
              hold: { timeout: '5s', maxPending: 50 },
              maxBodySize: '1Mi',
            },
            { path: '/plain' },
          ],
        },
      },
      environments: { dev: {} },
    });
    const table = planRouteTable([resolveFromSource(withSettings, 'dev', '/srv')], [], 1, 0);
    expect(table.routes[0]).toMatchObject({
      timeouts: { connectMs: 1000, firstByteMs: 2000, idleMs: 3000, totalMs: 0 },
      retryBudget: { percent: 10 },
      circuitBreaker: { consecutiveFailures: 3, ejectionMs: 30_000, maxConcurrent: 100 },
      rateLimit: { requestsPerSecond: 5, header: 'x-api-key' },
      hold: { timeoutMs: 5000, maxPending: 50 },
      maxBodyBytes: 1024 * 1024,
    });
    expect(Object.keys(table.routes[1]!)).not.toContain('timeouts');
  });

  it('publishes no route for a service with nothing deployed', () => {
    expect(planRouteTable([resolveEnvironment(spec, 'dev', {})], [], 1, 0).routes).toEqual([]);
  });
});

describe('planRouteTable during a rollout or a parallel run', () => {
  it("adds a service's release weights, matches and mirror to each of its routes, and nothing to the others", () => {
    const env = resolveFromSource(spec, 'dev', '/srv');
    const traffic = new Map([
      [
        trafficKey('dev', 'web'),
        {
          weights: { v1: 90, v2: 10 },
          releaseMatches: [{ match: { kind: 'header' as const, name: 'x-canary', value: '1' }, release: 'v2' }],
          mirror: { candidateRelease: 'v3', percent: 50, methods: ['GET'], compareHeaders: ['content-type'], ignoreFields: ['id'] },
        },
      ],
    ]);
    const table = planRouteTable([env], [], 1, 0, traffic);
    const web = table.routes.filter((route) => route.service === 'web');
    expect(web).toHaveLength(2);
    for (const route of web) {
      expect(route).toMatchObject({ weights: { v1: 90, v2: 10 }, releaseMatches: [{ release: 'v2' }], mirror: { candidateRelease: 'v3', percent: 50 } });
    }
    const catalog = table.routes.find((route) => route.service === 'catalog');
    expect(catalog).not.toHaveProperty('weights');
    expect(catalog).not.toHaveProperty('releaseMatches');
    expect(catalog).not.toHaveProperty('mirror');
  });
});
