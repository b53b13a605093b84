import { describe, expect, it } from 'vitest';
import { parseSpec } from './parse.js';

const base = ['name: shop', 'services:', '  orders:', '    start: [node, server.mjs]', 'jobs:', '  nightly-report:', '    service: orders', '    command: [node, report.mjs]'];

function errors(...lines: string[]): string[] {
  const result = parseSpec(`${[...base, ...lines].join('\n')}\n`, 'skiff.yaml');
  if (result.ok) throw new Error('expected the spec to be invalid');
  return result.errors.map((e) => `${e.position?.line}:${e.position?.column} ${e.code} ${e.path}: ${e.message}`);
}

describe('jobs in the spec', () => {
  it('reads a job with its defaults', () => {
    const result = parseSpec(`${[...base, '    schedule: "0 3 * * *"', '    timezone: Europe/Berlin', '    timeout: 10m', '    retries: 2'].join('\n')}\n`, 'skiff.yaml');
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.spec.jobs['nightly-report']).toEqual({
      service: 'orders',
      command: ['node', 'report.mjs'],
      schedule: '0 3 * * *',
      timezone: 'Europe/Berlin',
      concurrency: 'forbid',
      timeout: 600_000,
      retries: 2,
    });
  });

  it('refuses an invalid cron expression, an unknown time zone, service and environment at their positions', () => {
    expect(errors('    schedule: "61 3 * * *"')).toEqual(['9:15 SKIFF_SPEC_INVALID_VALUE jobs.nightly-report.schedule: not a cron schedule: Invalid value for minute: 61']);
    expect(errors('    schedule: "0 3 * *"')[0]).toMatch(/^9:15 SKIFF_SPEC_INVALID_VALUE jobs\.nightly-report\.schedule: not a cron schedule/);
    expect(errors('    schedule: "0 3 * * *"', '    timezone: Mars/Olympus')).toEqual(['10:15 SKIFF_SPEC_INVALID_VALUE jobs.nightly-report.timezone: unknown time zone']);
    expect(errors('    schedule: "0 3 * * *"', '    environments: [prod]')).toEqual(['10:20 SKIFF_SPEC_INVALID_VALUE jobs.nightly-report.environments.0: unknown environment "prod"']);
    const unknownService = parseSpec(`${[...base.slice(0, 6), '    service: order', '    command: [node, r.mjs]', '    schedule: "@daily"'].join('\n')}\n`, 'skiff.yaml');
    expect(unknownService.ok ? [] : unknownService.errors.map((e) => `${e.position?.line}:${e.position?.column} ${e.path}`)).toEqual(['7:14 jobs.nightly-report.service']);
  });
});

describe('jobFailed(name) in alert rules', () => {
  it('names a job, and an unknown job is refused at the rule', () => {
    const spec = (expr: string): string => `${[...base, '    schedule: "@daily"', 'alerts:', '  - name: report', `    expr: ${expr}`].join('\n')}\n`;
    expect(parseSpec(spec('jobFailed(nightly-report) > 0'), 'skiff.yaml').ok).toBe(true);
    const result = parseSpec(spec('jobFailed(nightly) > 0'), 'skiff.yaml');
    expect(result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['alerts.0.expr: alert "report" names unknown job "nightly"']);
  });
});
