import { describe, expect, it } from 'vitest';
import { resolveEnvironment } from './desired.js';
import { parseSpec } from './parse.js';

function spec(parallel: string): string {
  return ['name: shop', 'services:', '  web:', '    start: node server.js', parallel, ''].filter((line) => line !== '').join('\n');
}

describe('parallel in the spec', () => {
  it('fills in the defaults: all of the safe methods, content-type compared, nothing ignored', () => {
    const parsed = parseSpec(spec('    parallel: { percent: 50, ignoreFields: [meta.time, items.*.id] }'), 'skiff.yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.spec.services['web']?.parallel).toEqual({
      percent: 50,
      methods: ['GET', 'HEAD', 'OPTIONS'],
      compareHeaders: ['content-type'],
      ignoreFields: ['meta.time', 'items.*.id'],
    });
    const bare = parseSpec(spec(''), 'skiff.yaml');
    if (!bare.ok) throw new Error(JSON.stringify(bare.errors));
    expect(resolveEnvironment(bare.spec, 'dev', {}).services[0]?.parallel).toMatchObject({ percent: 100, methods: ['GET', 'HEAD', 'OPTIONS'] });
  });

  it('reports each bad setting at its position with its path', () => {
    const parsed = parseSpec(spec('    parallel:\n      percent: 150\n      methods: [GET, FETCH]\n      compareHeaders: [Content-Type]'), 'skiff.yaml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const summary = parsed.errors.map((error) => `${error.path} ${error.position?.line}:${error.position?.column} ${error.code}`);
    expect(summary).toEqual([
      'services.web.parallel.percent 6:16 SKIFF_SPEC_INVALID_VALUE',
      'services.web.parallel.methods.1 7:22 SKIFF_SPEC_INVALID_VALUE',
      'services.web.parallel.compareHeaders.0 8:24 SKIFF_SPEC_INVALID_VALUE',
    ]);
    expect(parsed.errors[2]?.hint).toBe('write header names in lowercase, e.g. content-type');
  });
});
