import { describe, expect, it } from 'vitest';
import type { FlagSpec } from '../spec/schema.js';
import { FlagEvaluator } from './flag-evaluator.js';

const proSplit = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  // Pro customers are split by targeting key; everyone else gets "off" without needing one.
  targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, { fractional: [['on', 50], ['off', 50]] }, 'off'] },
} as FlagSpec;
const byEmail = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { fractional: [{ var: 'email' }, ['on', 50], ['off', 50]] },
} as FlagSpec;

describe('TARGETING_KEY_MISSING', () => {
  const evaluator = new FlagEvaluator({ 'pro-split': proSplit, 'by-email': byEmail });

  it('only when the evaluation reaches a fractional that buckets by targetingKey without one', () => {
    expect(evaluator.evaluate('pro-split', { plan: 'free' })).toMatchObject({ value: false, variant: 'off', reason: 'TARGETING_MATCH' });
    expect(evaluator.evaluate('pro-split', {})).toMatchObject({ value: false, variant: 'off' });
    expect(evaluator.evaluate('pro-split', { plan: 'pro' })).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
    expect(evaluator.evaluate('pro-split', { plan: 'pro', targetingKey: 'u1' })).toMatchObject({ reason: 'TARGETING_MATCH' });
  });

  it('never for a fractional with its own bucketing expression', () => {
    expect(evaluator.evaluate('by-email', { email: 'ana@example.com' })).toMatchObject({ reason: 'TARGETING_MATCH', value: expect.any(Boolean) });
  });

  it('the bulk answer says it per flag', () => {
    const result = evaluator.evaluateAll({ plan: 'pro' });
    // by-email without an email: flagd's default variant, as flagd answers it.
    expect(result.ok && result.flags.map((flag) => ('errorCode' in flag ? flag.errorCode : flag.reason))).toEqual(['DEFAULT', 'TARGETING_KEY_MISSING']);
  });
});
