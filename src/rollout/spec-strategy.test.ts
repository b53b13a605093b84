/** The `strategy:` key of a service and the top-level `analyses:` map, as a person writes them. */
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../spec/parse.js';
import { analysisNamed } from './analysis.js';

function parse(service: string, extra = '') {
  return parseSpec(`name: shop\nservices:\n  web:\n    start: node web.js\n${service}${extra}`, 'skiff.yaml');
}

function errors(service: string, extra = '') {
  const result = parse(service, extra);
  if (result.ok) throw new Error('expected errors');
  return result.errors.map((error) => `${error.path}: ${error.message}`);
}

describe('strategy and analyses in the spec', () => {
  it('defaults to rolling with maxSurge 1, maxUnavailable 0, drainTimeout 30s, and keeps specs without a strategy valid', () => {
    const result = parse('');
    expect(result.ok && result.spec.services.web?.strategy).toEqual({
      type: 'rolling',
      maxSurge: { kind: 'count', value: 1 },
      maxUnavailable: { kind: 'count', value: 0 },
      drainTimeout: 30_000,
    });
    expect(result.ok && result.spec.analyses).toEqual({});
  });

  it('reads each strategy with its defaults', () => {
    const strategyOf = (text: string) => {
      const result = parse(`    strategy: ${text}\n`);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      return result.spec.services.web?.strategy;
    };
    expect(strategyOf('{ type: recreate }')).toEqual({ type: 'recreate' });
    expect(strategyOf('{ type: rolling, maxSurge: 25%, maxUnavailable: 1, drainTimeout: 5s }')).toEqual({
      type: 'rolling',
      maxSurge: { kind: 'percent', value: 25 },
      maxUnavailable: { kind: 'count', value: 1 },
      drainTimeout: 5000,
    });
    expect(strategyOf('{ type: blue-green }')).toEqual({ type: 'blue-green', previewHeader: 'x-skiff-preview', keepOld: 600_000, autoPromote: false });
    expect(
      strategyOf('{ type: canary, steps: [ { weight: 5 }, { pause: 30s }, { pause: {} }, { analysis: default } ], match: { cookie: { name: beta, value: "yes" } } }'),
    ).toEqual({
      type: 'canary',
      steps: [
        { kind: 'weight', weight: 5 },
        { kind: 'pause', durationMs: 30_000 },
        { kind: 'pause', durationMs: null },
        { kind: 'analysis', name: 'default' },
      ],
      match: { kind: 'cookie', name: 'beta', value: 'yes' },
    });
  });

  it('reads analyses into typed checks, with the built-in default when none is named so', () => {
    const result = parse(
      '',
      [
        'analyses:',
        '  strict:',
        '    window: 1m',
        '    failFast: false',
        '    interimEvery: 2s',
        '    checks:',
        '      - { metric: errorRate, max: 0.5% }',
        '      - { metric: p95, max: 200ms }',
        '      - { metric: p99, maxRatioToStable: 1.5 }',
        '      - { metric: latency, test: mann-whitney }',
        '',
      ].join('\n'),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.spec.analyses.strict).toEqual({
      window: 60_000,
      minRequests: 50,
      failFast: false,
      interimEvery: 2000,
      checks: [
        { kind: 'error-rate', max: 0.005 },
        { kind: 'latency', percentile: 'p95', maxMs: 200 },
        { kind: 'latency-ratio', percentile: 'p99', maxRatio: 1.5 },
        { kind: 'mann-whitney', alpha: 0.05 },
      ],
    });
    expect(analysisNamed(result.spec.analyses, 'default')?.checks).toHaveLength(2);
    expect(analysisNamed(result.spec.analyses, 'other')).toBeUndefined();
  });

  it('reports mistakes at their path, in words a person can act on', () => {
    expect(errors('    strategy: { type: blue-grene }\n')).toEqual(['services.web.strategy.type: unknown strategy type "blue-grene"']);
    expect(errors('    strategy: { type: rolling, maxSurge: 0, maxUnavailable: 0 }\n')).toEqual([
      'services.web.strategy: maxSurge and maxUnavailable cannot both be 0: the rollout could never replace an instance',
    ]);
    expect(errors('    strategy: { type: canary, steps: [ { weight: 5, pause: 1s }, { analysis: strict } ] }\n')).toEqual([
      'services.web.strategy.steps.0: a step has one kind, got weight and pause',
      'services.web.strategy.steps.1.analysis: unknown analysis "strict"',
    ]);
    expect(errors('', 'analyses:\n  a:\n    checks: [ { metric: errorRate, max: 300ms } ]\n')).toEqual([
      'analyses.a.checks.0: metric errorRate takes `max` as a share such as 1%',
    ]);
    expect(errors('', 'analyses:\n  a:\n    interimEvery: 10ms\n')).toEqual(['analyses.a.interimEvery: interimEvery is at least 100ms (each look reads the router), got 10ms']);
  });
});
