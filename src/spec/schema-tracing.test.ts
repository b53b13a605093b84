import { describe, expect, it } from 'vitest';
import { planRouteTable } from '../reconcile/route-planner.js';
import { resolveEnvironment } from './desired.js';
import { parseSpec } from './parse.js';

function spec(...lines: string[]): string {
  return ['name: shop', 'services:', '  web:', '    start: node server.js', ...lines, ''].join('\n');
}

describe('tracing in the spec', () => {
  it('applies the top-level tracing to every environment that sets none, and an environment may replace it', () => {
    const parsed = parseSpec(
      spec(
        'tracing: { otlp: "http://collector:4318", sample: 10%, ui: "http://jaeger:16686/trace/{traceId}" }',
        'environments:',
        '  dev: {}',
        '  production:',
        '    tracing: { otlp: "https://otel.example/v1/traces", sample: 0.5% }',
      ),
      'skiff.yaml',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(resolveEnvironment(parsed.spec, 'dev', {}).tracing).toEqual({
      otlp: 'http://collector:4318',
      sample: 10,
      ui: 'http://jaeger:16686/trace/{traceId}',
    });
    expect(resolveEnvironment(parsed.spec, 'production', {}).tracing).toEqual({ otlp: 'https://otel.example/v1/traces', sample: 0.5 });
    // The router gets the traces URL: a base URL gets OTLP's /v1/traces.
    expect(planRouteTable([resolveEnvironment(parsed.spec, 'dev', {})], [], 1, 0).tracing).toEqual({
      otlpUrl: 'http://collector:4318/v1/traces',
      samplePercent: 10,
    });
    expect(planRouteTable([resolveEnvironment(parsed.spec, 'production', {})], [], 1, 0).tracing?.otlpUrl).toBe('https://otel.example/v1/traces');
  });

  it('samples every new trace by default, and has no tracing unless asked', () => {
    const parsed = parseSpec(spec('tracing: { otlp: "http://collector:4318" }'), 'skiff.yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.spec.tracing?.sample).toBe(100);
    const bare = parseSpec(spec(), 'skiff.yaml');
    if (!bare.ok) throw new Error(JSON.stringify(bare.errors));
    expect(resolveEnvironment(bare.spec, 'dev', {}).tracing).toBeUndefined();
    expect(planRouteTable([resolveEnvironment(bare.spec, 'dev', {})], [], 1, 0).tracing).toBeUndefined();
  });

  it('reports each bad setting at its position with its path', () => {
    const parsed = parseSpec(spec('tracing:', '  otlp: collector:4318', '  sample: 150%', '  ui: "http://jaeger:16686/trace/"'), 'skiff.yaml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((error) => `${error.path} ${error.position?.line}:${error.position?.column} ${error.message}`)).toEqual([
      'tracing.otlp 6:9 otlp must be an http:// or https:// URL',
      'tracing.sample 7:11 expected a share of requests such as 10% (0% to 100%), got "150%"',
      'tracing.ui 8:7 ui must contain {traceId}, e.g. http://jaeger:16686/trace/{traceId}',
    ]);
  });
});
