import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ErrorDetail } from '../core/errors.js';
import { fuzzRuns } from '../core/testing/fuzz-runs.js';
import { parseSpec } from './parse.js';

const file = 'skiff.yaml';

function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** A spec with one service and the given lines after `flags:`, then `rest`. */
function spec(flagLines: readonly string[], rest: readonly string[] = []): string {
  return yaml('name: shop', 'services:', '  web:', '    start: node server.js', 'flags:', ...flagLines, ...rest);
}

const checkout = (defaultVariant: string, targeting: readonly string[] = []): string[] => [
  '  new-checkout:',
  '    state: ENABLED',
  '    variants: { "on": true, "off": false }',
  `    defaultVariant: ${defaultVariant}`,
  ...targeting,
];

function errorsOf(text: string): { code: string; path?: string; at: string; message: string }[] {
  const result = parseSpec(text, file);
  if (result.ok) throw new Error('expected the spec to be invalid');
  return result.errors.map((detail: ErrorDetail) => ({
    code: detail.code,
    ...(detail.path !== undefined ? { path: detail.path } : {}),
    at: `${detail.position?.line ?? 0}:${detail.position?.column ?? 0}`,
    message: detail.message,
  }));
}

describe('flags in the spec', () => {
  it('accepts flagd definitions with fractional, sem_ver, starts_with and ends_with, and per-environment overrides', () => {
    const result = parseSpec(
      spec(
        [
          ...checkout('off', ['    targeting:', '      fractional: [["on", 20], ["off", 80]]']),
          '  banner:',
          '    state: ENABLED',
          '    variants: { plain: "plain", fancy: "fancy" }',
          '    defaultVariant: plain',
          '    targeting:',
          '      if:',
          '        - or:',
          '            - sem_ver: [{ var: version }, ">=", "2.0.0"]',
          '            - starts_with: [{ var: email }, "admin"]',
          '            - ends_with: [{ var: email }, "@example.com"]',
          '        - fancy',
          '        - plain',
        ],
        ['environments:', '  production:', '    flags:', '      new-checkout: { state: DISABLED, defaultVariant: "on" }'],
      ),
      file,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.spec.flags ?? {})).toEqual(['new-checkout', 'banner']);
    expect(result.spec.environments.production?.flags).toEqual({ 'new-checkout': { state: 'DISABLED', defaultVariant: 'on' } });
  });

  it('refuses an unknown defaultVariant, at its position', () => {
    expect(errorsOf(spec(checkout('maybe')))).toEqual([
      {
        code: 'SKIFF_SPEC_INVALID_VALUE',
        path: 'flags.new-checkout.defaultVariant',
        at: '9:21',
        message: 'defaultVariant "maybe" is not one of the flag\'s variants (on, off)',
      },
    ]);
  });

  it('refuses JsonLogic that flagd-core cannot build, at the targeting', () => {
    const errors = errorsOf(spec(checkout('off', ['    targeting:', '      no_such_operator: [1, 2]'])));
    expect(errors).toMatchObject([{ code: 'SKIFF_SPEC_INVALID_VALUE', path: 'flags.new-checkout.targeting', at: '11:7' }]);
    expect(errors[0]?.message).toContain('Invalid targeting configuration');
  });

  it('refuses a fractional share over 100, and shares adding up to more than 100', () => {
    expect(errorsOf(spec(checkout('off', ['    targeting:', '      fractional: [["on", 150], ["off", 10]]'])))).toEqual([
      {
        code: 'SKIFF_SPEC_INVALID_VALUE',
        path: 'flags.new-checkout.targeting.fractional.0.1',
        at: '11:27',
        message: 'a fractional share is a percentage from 0 to 100, got 150',
      },
    ]);
    expect(errorsOf(spec(checkout('off', ['    targeting:', '      fractional: [["on", 60], ["off", 50]]'])))).toEqual([
      { code: 'SKIFF_SPEC_INVALID_VALUE', path: 'flags.new-checkout.targeting.fractional', at: '11:19', message: 'the fractional shares add up to 110%, over 100%' },
    ]);
  });

  it('refuses a fractional naming a variant the flag does not have', () => {
    expect(errorsOf(spec(checkout('off', ['    targeting:', '      fractional: [["yes", 20], ["off", 80]]'])))).toMatchObject([
      { path: 'flags.new-checkout.targeting.fractional.0.0', message: 'fractional names variant "yes", which the flag does not have (on, off)' },
    ]);
  });

  it('refuses an override of an unknown flag, and an override whose defaultVariant the flag lacks', () => {
    const errors = errorsOf(
      spec(checkout('off'), ['environments:', '  production:', '    flags:', '      new-checkout: { defaultVariant: maybe }', '      ghost: { state: DISABLED }']),
    );
    expect(errors).toMatchObject([
      { code: 'SKIFF_SPEC_INVALID_VALUE', path: 'environments.production.flags.new-checkout.defaultVariant', at: "13:39" },
      { code: 'SKIFF_SPEC_UNKNOWN_KEY', path: 'environments.production.flags.ghost', at: '14:7' },
    ]);
  });

  it('refuses a state other than ENABLED or DISABLED', () => {
    expect(errorsOf(spec(['  f:', '    state: ON', '    variants: { a: 1 }', '    defaultVariant: a']))).toMatchObject([
      { code: 'SKIFF_SPEC_INVALID_VALUE', path: 'flags.f.state', at: '7:12' },
    ]);
  });

  it('property: fractional shares are accepted exactly when each is within 0..100 and they add up to 100 at most', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 250 }), { minLength: 1, maxLength: 4 }), (shares) => {
        const variants = shares.map((_, index) => `v${index}`);
        const buckets = shares.map((share, index) => `["v${index}", ${share}]`).join(', ');
        const text = spec([
          '  f:',
          '    state: ENABLED',
          `    variants: { ${variants.map((name) => `${name}: "${name}"`).join(', ')} }`,
          '    defaultVariant: v0',
          '    targeting:',
          `      fractional: [${buckets}]`,
        ]);
        const valid = shares.every((share) => share <= 100) && shares.reduce((sum, share) => sum + share, 0) <= 100;
        const result = parseSpec(text, file);
        expect(result.ok).toBe(valid);
        if (!result.ok) for (const error of result.errors) expect(error.position?.line).toBe(11);
      }),
      { numRuns: fuzzRuns(100, 10_000) },
    );
  });
});
