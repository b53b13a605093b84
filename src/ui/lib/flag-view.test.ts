import { describe, expect, it } from 'vitest';
import type { FlagSpec } from '../../spec/schema.js';
import { prettyTargeting, rolloutShare } from './flag-view.js';

const flag = (targeting?: Record<string, unknown>): FlagSpec =>
  ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', ...(targeting ? { targeting } : {}) }) as FlagSpec;

describe('rolloutShare', () => {
  it('reads the split a rollout writes, and nothing else', () => {
    expect(rolloutShare(flag({ fractional: [['on', 20], ['off', 80]] }))).toEqual({ variant: 'on', percent: 20 });
    expect(rolloutShare(flag())).toBeNull();
    expect(rolloutShare(flag({ fractional: [['on', 20], ['on', 80]] }))).toBeNull();
    expect(rolloutShare(flag({ fractional: [{ var: 'email' }, ['on', 50], ['off', 50]] }))).toBeNull();
    expect(rolloutShare(flag({ if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'on', null] }))).toBeNull();
  });
});

describe('prettyTargeting', () => {
  it('indents JsonLogic and keeps short buckets on one line', () => {
    expect(prettyTargeting({ fractional: [['on', 20], ['off', 80]] })).toBe('{\n  "fractional": [\n    ["on", 20],\n    ["off", 80]\n  ]\n}');
    expect(prettyTargeting({})).toBe('');
    expect(prettyTargeting(undefined)).toBe('');
  });
});
