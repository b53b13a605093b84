import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorDetail } from '../core/errors.js';
import { resolveFromSource } from './testing/resolve-from-source.js';
import { parseSpec } from './parse.js';

const file = 'skiff.yaml';

/** Joins lines so positions in the tables can be read off the source. */
function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function errorsOf(text: string): ErrorDetail[] {
  const result = parseSpec(text, file);
  if (result.ok) throw new Error('expected the spec to be invalid');
  return result.errors;
}

interface Expected {
  readonly code: ErrorDetail['code'];
  readonly path?: string;
  readonly at: `${number}:${number}`;
  readonly message?: string;
  readonly hint?: string;
}

function summary(detail: ErrorDetail): Expected {
  return {
    code: detail.code,
    ...(detail.path !== undefined ? { path: detail.path } : {}),
    at: `${detail.position?.line ?? 0}:${detail.position?.column ?? 0}`,
    ...(detail.message !== undefined ? { message: detail.message } : {}),
    ...(detail.hint !== undefined ? { hint: detail.hint } : {}),
  };
}

const fullSpec = yaml(
  'version: 1',
  'name: shop',
  'services:',
  '  web:',
  '    path: ./web',
  '    start: node server.js',
  '    instances: 2',
  '    env:',
  '      LOG_LEVEL: info',
  '      PORT_OFFSET: 0',
  '    readiness:',
  '      http: /healthz',
  '      interval: 500ms',
  '    routes:',
  '      - host: shop.localhost',
  '        path: /',
  '  catalog:',
  '    path: ./catalog',
  '    start: [node, catalog.js, --cache]',
  '    env: { CACHE: true }',
  '    resources: { memory: 256Mi, cpu: 0.5 }',
  '    routes:',
  '      - path: /api/catalog',
  '        stripPrefix: true',
  '    balance: round-robin',
  '  orders:',
  '    path: ./orders',
  '    start: python3 -m orders',
  '    instances: 1',
  '    liveness:',
  '      tcp: true',
  '      failureThreshold: 5',
  '    stopGrace: 10s',
  'environments:',
  '  dev:',
  '    services:',
  '      web: { instances: 1 }',
  '  staging:',
  '    services:',
  '      catalog:',
  '        env: { CACHE: false, REGION: eu }',
  '  production:',
  '    services:',
  '      web:',
  '        instances: 4',
  '        env: { LOG_LEVEL: warn }',
  '      orders:',
  '        instances: 3',
  '        resources: { memory: 1Gi }',
);

describe('parseSpec on a valid spec', () => {
  it('returns the spec with defaults filled in', () => {
    const result = parseSpec(fullSpec, file);
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(Object.keys(result.spec.services)).toEqual(['web', 'catalog', 'orders']);
    expect(result.spec.services.catalog?.start).toEqual(['node', 'catalog.js', '--cache']);
    expect(result.spec.services.orders?.start).toEqual(['python3', '-m', 'orders']);
    expect(result.spec.services.orders?.stopGrace).toBe(10_000);
    expect(result.spec.services.web?.readiness).toMatchObject({ http: '/healthz', interval: 500, failureThreshold: 3 });
    expect(result.spec.services.catalog?.resources).toEqual({ memory: 256 * 1024 * 1024, cpu: 0.5 });
  });

  it('resolves every environment with its own instances and env', () => {
    const result = parseSpec(fullSpec, file);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const base = '/srv/shop';
    const view = (environment: string): Record<string, { instances: number; env: Record<string, string> }> =>
      Object.fromEntries(
        resolveFromSource(result.spec, environment, base).services.map((s) => [s.name, { instances: s.instances, env: { ...s.env } }]),
      );

    expect(view('dev')).toEqual({
      catalog: { instances: 1, env: { CACHE: 'true' } },
      orders: { instances: 1, env: {} },
      web: { instances: 1, env: { LOG_LEVEL: 'info', PORT_OFFSET: '0' } },
    });
    expect(view('staging')).toEqual({
      catalog: { instances: 1, env: { CACHE: 'false', REGION: 'eu' } },
      orders: { instances: 1, env: {} },
      web: { instances: 2, env: { LOG_LEVEL: 'info', PORT_OFFSET: '0' } },
    });
    expect(view('production')).toEqual({
      catalog: { instances: 1, env: { CACHE: 'true' } },
      orders: { instances: 3, env: {} },
      web: { instances: 4, env: { LOG_LEVEL: 'warn', PORT_OFFSET: '0' } },
    });

    const production = resolveFromSource(result.spec, 'production', base).services;
    const orders = production.find((s) => s.name === 'orders');
    expect(orders?.resources.memory).toBe(1024 ** 3);
    expect(orders?.directory).toBe(path.resolve(base, 'orders'));
    // The env override changes what web instances run; the instance count alone does not.
    const hashOf = (environment: string, name: string): string | undefined =>
      resolveFromSource(result.spec, environment, base).services.find((s) => s.name === name)?.configHash;
    expect(hashOf('production', 'web')).not.toBe(hashOf('dev', 'web'));
    expect(hashOf('dev', 'orders')).toBe(hashOf('staging', 'orders'));
  });

  it('defaults to one dev environment and accepts anchors, merges and CRLF line ends', () => {
    const text = yaml('name: shop', 'services:', '  base: &base { start: node a.js }', '  web:', '    <<: *base', '    instances: 3');
    const result = parseSpec(text.replace(/\n/g, '\r\n'), file);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(Object.keys(result.spec.environments)).toEqual(['dev']);
    expect(result.spec.services.web).toMatchObject({ start: ['node', 'a.js'], instances: 3 });
  });
});

describe('parseSpec on the example system', () => {
  const example = new URL('../../examples/shop/skiff.yaml', import.meta.url);

  it.skipIf(!existsSync(example))('accepts examples/shop/skiff.yaml', () => {
    const result = parseSpec(readFileSync(example, 'utf8'), 'examples/shop/skiff.yaml');
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});

describe('parseSpec errors', () => {
  const service = (...lines: string[]): string => yaml('name: shop', 'services:', '  web:', '    start: node server.js', ...lines);

  it.each<[string, string, Expected[]]>([
    [
      'an unknown key close to a known one',
      service('    instnaces: 2'),
      [{ code: 'SKIFF_SPEC_UNKNOWN_KEY', path: 'services.web.instnaces', at: '5:5', message: 'unknown key "instnaces" in services.web', hint: 'did you mean "instances"?' }],
    ],
    [
      'an unknown key far from every known one',
      service('    sidecars: nginx'),
      [
        {
          code: 'SKIFF_SPEC_UNKNOWN_KEY',
          path: 'services.web.sidecars',
          at: '5:5',
          message: 'unknown key "sidecars" in services.web',
          hint: 'allowed keys here: path, build, start, driver, image, instances, autoscale, env, readiness, liveness, resources, routes, balance, stopGrace, strategy, parallel, release, volumes, kind, handler, timeout, memory, concurrency',
        },
      ],
    ],
    [
      'an unknown key at the top level',
      yaml('name: shop', 'services: {}', 'enviroments: {}'),
      [{ code: 'SKIFF_SPEC_UNKNOWN_KEY', path: 'enviroments', at: '3:1', message: 'unknown key "enviroments" at the top level', hint: 'did you mean "environments"?' }],
    ],
    [
      'a required key missing in a service (at the service mapping)',
      yaml('name: shop', 'services:', '  web:', '    instances: 2'),
      [
        {
          code: 'SKIFF_SPEC_MISSING_KEY',
          path: 'services.web.start',
          at: '4:5',
          message: 'missing required key "start" in services.web',
          hint: 'add "start:" under services.web — the command that starts one instance',
        },
      ],
    ],
    [
      'a required key missing at the top level',
      yaml('# the shop', 'services: {}'),
      [
        {
          code: 'SKIFF_SPEC_MISSING_KEY',
          path: 'name',
          at: '2:1',
          message: 'missing required key "name" at the top level',
          hint: 'add "name:" at the top level — the name of the system',
        },
      ],
    ],
    [
      'a word where a whole number belongs',
      service('    instances: two'),
      [
        {
          code: 'SKIFF_SPEC_INVALID_VALUE',
          path: 'services.web.instances',
          at: '5:16',
          message: 'expected a whole number ≥ 0, got "two"',
          hint: 'write a whole number from 0 to 1000 (instances: desired number of instances)',
        },
      ],
    ],
    [
      'a number out of range',
      service('    instances: 5000'),
      [{ code: 'SKIFF_SPEC_INVALID_VALUE', path: 'services.web.instances', at: '5:16', message: 'expected a whole number ≤ 1000, got 5000' }],
    ],
    [
      'a value outside an enum',
      service('    balance: round-robn'),
      [
        {
          code: 'SKIFF_SPEC_INVALID_VALUE',
          path: 'services.web.balance',
          at: '5:14',
          message: 'expected one of "least-request", "round-robin", got "round-robn"',
          hint: 'did you mean "round-robin"? allowed values: "least-request", "round-robin"',
        },
      ],
    ],
    [
      'a bad value inside a list of routes',
      service('    routes:', '      - path: /ok', '      - path: api'),
      [
        {
          code: 'SKIFF_SPEC_INVALID_VALUE',
          path: 'services.web.routes.1.path',
          at: '7:15',
          message: 'expected text starting with "/", got "api"',
          hint: 'write "/api"',
        },
      ],
    ],
    [
      'an empty value (pointed at its key)',
      service('    instances:'),
      [{ code: 'SKIFF_SPEC_INVALID_VALUE', path: 'services.web.instances', at: '5:5', message: 'expected a whole number ≥ 0, got an empty value' }],
    ],
    [
      'a duration that is not one',
      service('    stopGrace: soon'),
      [
        {
          code: 'SKIFF_SPEC_INVALID_VALUE',
          path: 'services.web.stopGrace',
          at: '5:16',
          message: 'expected a duration such as 500ms, 2s or 1m, got "soon"',
          hint: 'write a duration such as 500ms, 2s, 1m (a bare number is milliseconds) (stopGrace: time between SIGTERM and SIGKILL)',
        },
      ],
    ],
    [
      'a quoted boolean',
      service('    routes: [{ path: /, stripPrefix: "yes" }]'),
      [
        {
          code: 'SKIFF_SPEC_INVALID_VALUE',
          path: 'services.web.routes.0.stripPrefix',
          at: '5:38',
          message: 'expected true or false, got "yes"',
          hint: 'write true or false, without quotes (stripPrefix: remove the path prefix before forwarding)',
        },
      ],
    ],
    [
      'a probe with neither http nor tcp',
      service('    readiness:', '      interval: 2s'),
      [
        {
          code: 'SKIFF_SPEC_INVALID_VALUE',
          path: 'services.web.readiness',
          at: '6:7',
          message: 'a probe needs `http: /path` or `tcp: true`',
          hint: 'add `http: /healthz` (any path the service answers) or `tcp: true`',
        },
      ],
    ],
    [
      'a badly named service',
      yaml('name: shop', 'services:', '  Web_App:', '    start: node a.js'),
      [
        {
          code: 'SKIFF_SPEC_INVALID_VALUE',
          path: 'services.Web_App',
          at: '3:3',
          message: 'invalid name "Web_App": must be lowercase letters, digits and dashes, starting with a letter',
          hint: 'rename it to "web-app"',
        },
      ],
    ],
    [
      'an override of a service that does not exist',
      yaml('name: shop', 'services:', '  web: { start: node a.js }', 'environments:', '  prod:', '    services:', '      wbe: { instances: 2 }'),
      [
        {
          code: 'SKIFF_SPEC_UNKNOWN_KEY',
          path: 'environments.prod.services.wbe',
          at: '7:7',
          message: 'environment "prod" overrides unknown service "wbe"',
          hint: 'did you mean "web"?',
        },
      ],
    ],
    [
      'a field of a flow mapping',
      yaml('name: shop', 'services:', '  web: { start: node a.js, instances: -1 }'),
      [{ code: 'SKIFF_SPEC_INVALID_VALUE', path: 'services.web.instances', at: '3:39', message: 'expected a whole number ≥ 0, got -1' }],
    ],
    [
      'an unsupported version',
      yaml('version: 2', 'name: shop', 'services: {}'),
      [{ code: 'SKIFF_SPEC_INVALID_VALUE', path: 'version', at: '1:10', message: 'expected 1, got 2', hint: 'allowed values: 1' }],
    ],
    [
      'a field taken from a merged anchor (pointed at the anchor)',
      yaml('name: shop', 'services:', '  base: &base', '    start: node a.js', '    instances: many', '  web:', '    <<: *base'),
      [
        { code: 'SKIFF_SPEC_INVALID_VALUE', path: 'services.base.instances', at: '5:16' },
        { code: 'SKIFF_SPEC_INVALID_VALUE', path: 'services.web.instances', at: '5:16' },
      ],
    ],
  ])('reports %s', (_, text, expected) => {
    const errors = errorsOf(text).map(summary);
    expect(errors).toHaveLength(expected.length);
    expected.forEach((want, index) => expect(errors[index]).toMatchObject(want));
  });

  it('quotes keys that would make a dotted path ambiguous and finds them in the text', () => {
    const errors = errorsOf(yaml('name: shop', 'services:', '  web:', '    start: node a.js', '    env:', '      "a.b": [x]', '      1: [y]'));
    expect(errors.map(summary)).toEqual([
      expect.objectContaining({ path: 'services.web.env."a.b"', at: '6:14' }),
      expect.objectContaining({ path: 'services.web.env.1', at: '7:10' }),
    ]);
  });

  it('reports a value of an unexpected kind in plain words', () => {
    const errors = errorsOf(yaml('name: shop', 'services:', '  web:', '    start: { cmd: node }', '    instances: [1]', '    env: !!binary aGVsbG8='));
    expect(errors.map((e) => e.message)).toEqual([
      'expected a command: a list of arguments, or a string split on spaces (no shell), got a mapping',
      'expected a whole number ≥ 0, got a list',
      'expected a mapping, got binary data',
    ]);
  });

  it('reports every problem at once, sorted by position', () => {
    const text = yaml(
      'name: Shop', // 1
      'services:', // 2
      '  web:', // 3
      '    start: node a.js', // 4
      '    instances: two', // 5
      '    replicas: 2', // 6
      '    driver: vm', // 7
      '    readiness: { interval: abc }', // 8
      '  api:', // 9
      '    instances: 1', // 10
      'environments:', // 11
      '  prod:', // 12
      '    provider: cloud', // 13
      '    services:', // 14
      '      ap1: { instances: 0 }', // 15
    );
    const errors = errorsOf(text).map((e) => `${e.position?.line}:${e.position?.column} ${e.code} ${e.path}`);
    expect(errors).toEqual([
      '1:7 SKIFF_SPEC_INVALID_VALUE name',
      '5:16 SKIFF_SPEC_INVALID_VALUE services.web.instances',
      '6:5 SKIFF_SPEC_UNKNOWN_KEY services.web.replicas',
      '7:13 SKIFF_SPEC_INVALID_VALUE services.web.driver',
      '8:16 SKIFF_SPEC_INVALID_VALUE services.web.readiness',
      '8:28 SKIFF_SPEC_INVALID_VALUE services.web.readiness.interval',
      '10:5 SKIFF_SPEC_MISSING_KEY services.api.start',
      '13:15 SKIFF_SPEC_INVALID_VALUE environments.prod.provider',
      '15:7 SKIFF_SPEC_UNKNOWN_KEY environments.prod.services.ap1',
    ]);
    expect(errorsOf(text).find((e) => e.path === 'name')?.hint).toBe('write "shop"');
  });
});
