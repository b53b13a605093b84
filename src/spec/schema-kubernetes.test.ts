import { describe, expect, it } from 'vitest';
import type { ErrorDetail } from '../core/errors.js';
import { parseSpec } from './parse.js';

const service = ['name: shop', 'services:', '  web:', '    start: [node, server.mjs]', 'environments:'];

function parse(...environmentLines: string[]): ReturnType<typeof parseSpec> {
  return parseSpec(`${[...service, ...environmentLines].join('\n')}\n`, 'skiff.yaml');
}

function errorsOf(...environmentLines: string[]): Pick<ErrorDetail, 'code' | 'path' | 'message' | 'hint'>[] {
  const result = parse(...environmentLines);
  if (result.ok) throw new Error('expected the spec to be invalid');
  return result.errors.map(({ code, path, message, hint }) => ({ code, path, message, hint }));
}

describe('provider: kubernetes in the spec', () => {
  it('accepts a kubernetes environment and fills in the defaults', () => {
    const result = parse('  prod:', '    provider: kubernetes', '    registry: 127.0.0.1:5000/skiff', '    kubernetes: { context: kind-skiff, gateway: httproute, analysisSource: { prometheus: "http://prometheus:9090" } }');
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.spec.environments.prod).toMatchObject({
      provider: 'kubernetes',
      registry: '127.0.0.1:5000/skiff',
      kubernetes: { context: 'kind-skiff', serviceType: 'LoadBalancer', gateway: 'httproute', analysisSource: { prometheus: 'http://prometheus:9090' } },
    });
  });

  it('takes routerAccess proxy or direct, and names another value with the choices', () => {
    const result = parse('  prod:', '    provider: kubernetes', '    registry: 127.0.0.1:5000/skiff', '    kubernetes: { routerAccess: direct }');
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.spec.environments.prod?.kubernetes?.routerAccess).toBe('direct');
    const [error] = errorsOf('  prod:', '    provider: kubernetes', '    registry: 127.0.0.1:5000/skiff', '    kubernetes: { routerAccess: tunnel }');
    expect(error).toMatchObject({ path: 'environments.prod.kubernetes.routerAccess', message: expect.stringMatching(/proxy.*direct/) });
  });

  it('requires a registry, with a hint that says what it is for', () => {
    expect(errorsOf('  prod:', '    provider: kubernetes')).toEqual([
      {
        code: 'SKIFF_SPEC_MISSING_KEY',
        path: 'environments.prod.registry',
        message: 'missing required key "registry" in environments.prod',
        hint: expect.stringContaining('e.g. 127.0.0.1:5000/skiff (required for provider: kubernetes)'),
      },
    ]);
  });

  it('refuses kubernetes settings on an environment of another provider', () => {
    expect(errorsOf('  dev:', '    kubernetes: { namespace: shop }', '    registry: ghcr.io/acme')).toEqual([
      {
        code: 'SKIFF_SPEC_INVALID_VALUE',
        path: 'environments.dev.kubernetes',
        message: '`kubernetes` is used only by environments with `provider: kubernetes` (this one is `local`)',
        hint: 'add `provider: kubernetes` to run this environment on a cluster, or remove `kubernetes`',
      },
      {
        code: 'SKIFF_SPEC_INVALID_VALUE',
        path: 'environments.dev.registry',
        message: '`registry` is used only by environments with `provider: kubernetes` (this one is `local`)',
        hint: 'add `provider: kubernetes` to run this environment on a cluster, or remove `registry`',
      },
    ]);
  });

  it('names the bad field of a kubernetes block: namespace, service type, registry', () => {
    const errors = errorsOf(
      '  prod:',
      '    provider: kubernetes',
      '    registry: "https://registry"',
      '    kubernetes: { namespace: Shop_Prod, serviceType: ClusterIP }',
    );
    expect(errors.map((error) => [error.code, error.path])).toEqual([
      ['SKIFF_SPEC_INVALID_VALUE', 'environments.prod.registry'],
      ['SKIFF_SPEC_INVALID_VALUE', 'environments.prod.kubernetes.namespace'],
      ['SKIFF_SPEC_INVALID_VALUE', 'environments.prod.kubernetes.serviceType'],
    ]);
  });
});
