import { describe, expect, it } from 'vitest';
import type { ErrorDetail } from '../core/errors.js';
import { serviceConfig } from './desired.js';
import { parseSpec } from './parse.js';
import { releaseHash } from './release.js';

function parse(...lines: string[]): ReturnType<typeof parseSpec> {
  return parseSpec(`${lines.join('\n')}\n`, 'skiff.yaml');
}

function errors(...lines: string[]): Array<Pick<ErrorDetail, 'code' | 'path'> & { hint?: string | undefined }> {
  const result = parse(...lines);
  if (result.ok) throw new Error('expected the spec to be invalid');
  return result.errors.map((detail) => ({ code: detail.code, path: detail.path, hint: detail.hint }));
}

describe('function services in the spec', () => {
  it('resolves a function to the function driver with its defaults and its memory as the limit', () => {
    const result = parse('name: shop', 'services:', '  price:', '    kind: function', '    path: fn', '    handler: src/price.mjs', '    memory: 64Mi');
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const config = serviceConfig(result.spec, 'dev', 'price', '/srv');
    expect(config).toMatchObject({
      driver: 'function',
      command: [],
      sourceDirectory: '/srv/fn',
      resources: { memory: 64 * 1024 * 1024 },
      function: { handler: 'src/price.mjs', timeoutMs: 30_000, concurrency: 50 },
    });
  });

  it('makes a new release when the timeout or concurrency changes', () => {
    const base = ['name: shop', 'services:', '  price:', '    kind: function', '    handler: price.mjs'];
    const hash = (...extra: string[]): string => {
      const result = parse(...base, ...extra);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      return releaseHash({ ...serviceConfig(result.spec, 'dev', 'price', '/srv'), artifact: null });
    };
    expect(new Set([hash(), hash('    timeout: 5s'), hash('    concurrency: 4')]).size).toBe(3);
  });

  it('reports a missing handler as a missing key at its path', () => {
    expect(errors('name: shop', 'services:', '  price:', '    kind: function')).toEqual([
      expect.objectContaining({ code: 'SKIFF_SPEC_MISSING_KEY', path: 'services.price.handler' }),
    ]);
  });

  it('refuses start, driver and image on a function, each at its path with a hint', () => {
    const found = errors(
      'name: shop',
      'services:',
      '  price:',
      '    kind: function',
      '    handler: price.mjs',
      '    start: node server.js',
      '    driver: docker',
      '    image: { ref: "node:20" }',
    );
    expect(found.map((detail) => detail.path).sort()).toEqual(['services.price.driver', 'services.price.image', 'services.price.start']);
    expect(found.every((detail) => detail.hint !== undefined)).toBe(true);
  });

  it('refuses function fields on an ordinary service, and handlers outside the service or not ES modules', () => {
    expect(errors('name: shop', 'services:', '  api:', '    start: node s.js', '    handler: s.mjs', '    concurrency: 3').map((d) => d.path).sort()).toEqual([
      'services.api.concurrency',
      'services.api.handler',
    ]);
    expect(errors('name: shop', 'services:', '  price:', '    kind: function', '    handler: ../other/price.mjs')[0]).toMatchObject({
      path: 'services.price.handler',
    });
    expect(errors('name: shop', 'services:', '  price:', '    kind: function', '    handler: price.ts')[0]).toMatchObject({
      path: 'services.price.handler',
    });
  });

  it('refuses memory given twice', () => {
    expect(
      errors('name: shop', 'services:', '  price:', '    kind: function', '    handler: p.mjs', '    memory: 64Mi', '    resources: { memory: 128Mi }')[0],
    ).toMatchObject({ path: 'services.price.resources.memory' });
  });
});
