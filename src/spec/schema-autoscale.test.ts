import { describe, expect, it } from 'vitest';
import type { ErrorDetail } from '../core/errors.js';
import { parseSpec } from './parse.js';
import { resolveFromSource } from './testing/resolve-from-source.js';

const file = 'skiff.yaml';

function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** A spec with one service `api` whose lines after `start` are `serviceLines`, then `rest`. */
function spec(serviceLines: readonly string[], rest: readonly string[] = []): string {
  return yaml('name: shop', 'services:', '  api:', '    start: node server.js', ...serviceLines, ...rest);
}

function errorsOf(text: string): { code: string; path?: string; at: string; message?: string; hint?: string }[] {
  const result = parseSpec(text, file);
  if (result.ok) throw new Error('expected the spec to be invalid');
  return result.errors.map((detail: ErrorDetail) => ({
    code: detail.code,
    ...(detail.path !== undefined ? { path: detail.path } : {}),
    at: `${detail.position?.line ?? 0}:${detail.position?.column ?? 0}`,
    ...(detail.message !== undefined ? { message: detail.message } : {}),
    ...(detail.hint !== undefined ? { hint: detail.hint } : {}),
  }));
}

function resolved(text: string, environment = 'dev'): { instances: number; autoscale: unknown } {
  const result = parseSpec(text, file);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const api = resolveFromSource(result.spec, environment, '/srv').services.find((s) => s.name === 'api');
  if (!api) throw new Error('no api');
  return { instances: api.instances, autoscale: api.autoscale };
}

describe('autoscale in the spec', () => {
  it('fills in the windows and starts from min (at least one instance)', () => {
    expect(resolved(spec(['    autoscale: { min: 2, max: 10, target: { concurrency: 20 } }']))).toEqual({
      instances: 2,
      autoscale: { min: 2, max: 10, target: { concurrency: 20 }, stableWindow: 60_000, panicWindow: 6_000, idleAfter: 300_000 },
    });
    // min 0 without idleAfter: scales to zero after the default 5 minutes; starts with one.
    expect(resolved(spec(['    autoscale: { min: 0, max: 3, target: { rps: 50 } }']))).toMatchObject({
      instances: 1,
      autoscale: { min: 0, idleAfter: 300_000 },
    });
    expect(resolved(spec(['    autoscale: { max: 3, target: { cpu: 70% }, stableWindow: 2s, panicWindow: 500ms }']))).toMatchObject({
      autoscale: { min: 1, target: { cpu: 70 }, stableWindow: 2000, panicWindow: 500 },
    });
  });

  it('lets an environment replace the autoscale, or fix instances instead', () => {
    const text = spec(
      ['    autoscale: { min: 1, max: 10, target: { concurrency: 20 } }'],
      [
        'environments:',
        '  dev:',
        '    services:',
        '      api: { instances: 3 }',
        '  production:',
        '    services:',
        '      api:',
        '        autoscale: { min: 4, max: 40, target: { concurrency: 10 } }',
        '  staging: {}',
      ],
    );
    expect(resolved(text, 'dev')).toEqual({ instances: 3, autoscale: null });
    expect(resolved(text, 'production')).toMatchObject({ instances: 4, autoscale: { min: 4, max: 40, target: { concurrency: 10 } } });
    expect(resolved(text, 'staging')).toMatchObject({ instances: 1, autoscale: { max: 10 } });
  });

  it('reports min above max at min, with a fix', () => {
    expect(errorsOf(spec(['    autoscale:', '      min: 5', '      max: 2', '      target: { concurrency: 5 }']))).toEqual([
      {
        code: 'SKIFF_SPEC_INVALID_VALUE',
        path: 'services.api.autoscale.min',
        at: '6:12',
        message: 'min (5) is larger than max (2)',
        hint: 'lower min to 2 or less, or raise max to 5 or more',
      },
    ]);
  });

  it('reports a missing target and max as missing keys', () => {
    const errors = errorsOf(spec(['    autoscale:', '      min: 1']));
    expect(errors.map((e) => [e.code, e.path, e.at])).toEqual([
      ['SKIFF_SPEC_MISSING_KEY', 'services.api.autoscale.max', '6:7'],
      ['SKIFF_SPEC_MISSING_KEY', 'services.api.autoscale.target', '6:7'],
    ]);
  });

  it('refuses instances and autoscale together in one place, saying which to keep', () => {
    const errors = errorsOf(spec(['    instances: 2', '    autoscale: { max: 4, target: { concurrency: 5 } }']));
    expect(errors).toMatchObject([
      { code: 'SKIFF_SPEC_INVALID_VALUE', path: 'services.api.autoscale', at: '6:16', message: 'the service sets both instances and autoscale' },
    ]);
    expect(errors[0]?.hint).toContain('keep one');
    const inEnvironment = errorsOf(
      spec([], ['environments:', '  dev:', '    services:', '      api:', '        instances: 1', '        autoscale: { max: 4, target: { rps: 5 } }']),
    );
    expect(inEnvironment).toMatchObject([
      { code: 'SKIFF_SPEC_INVALID_VALUE', path: 'environments.dev.services.api.autoscale', message: 'this environment sets both instances and autoscale' },
    ]);
  });

  it('reports a bad target, a bad share and a panic window longer than the stable one', () => {
    const errors = errorsOf(spec(['    autoscale: { max: 4, target: { cpu: lots } }']));
    expect(errors.map((e) => [e.path, e.message])).toEqual([['services.api.autoscale.target.cpu', 'expected a share of one core such as 70%, got "lots"']]);
    const unknown = errorsOf(spec(['    autoscale: { max: 4, target: { qps: 5 } }']));
    expect(unknown.map((e) => [e.code, e.path])).toEqual([
      ['SKIFF_SPEC_INVALID_VALUE', 'services.api.autoscale.target'],
      ['SKIFF_SPEC_UNKNOWN_KEY', 'services.api.autoscale.target.qps'],
    ]);
    const two = errorsOf(spec(['    autoscale: { max: 4, target: { rps: 5, cpu: 50% } }']));
    expect(two).toMatchObject([{ path: 'services.api.autoscale.target.cpu', message: 'a target names one measure, got rps and cpu' }]);
    const windows = errorsOf(spec(['    autoscale: { max: 4, target: { rps: 5 }, stableWindow: 2s, panicWindow: 10s }']));
    expect(windows).toMatchObject([{ path: 'services.api.autoscale.panicWindow', message: 'panicWindow (10000 ms) is longer than stableWindow (2000 ms)' }]);
  });
});
