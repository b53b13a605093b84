import { describe, expect, it } from 'vitest';
import type { FlagSpec } from '../spec/schema.js';
import { flagDrift, runtimeFlagsToReset } from './flag-drift.js';

const checkout: FlagSpec = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } as FlagSpec;

describe('flag drift', () => {
  it('lists each field a run-time change made differ from the commit, and which flags a revert resets', () => {
    const disabled = { ...checkout, state: 'DISABLED' } as FlagSpec;
    const rolled = { ...checkout, targeting: { fractional: [['on', 10], ['off', 90]] } } as FlagSpec;
    const inForce = [
      { key: 'checkout', flag: disabled, runtime: true },
      { key: 'banner', flag: rolled, runtime: true },
      { key: 'same', flag: { defaultVariant: 'off', variants: { off: false, on: true }, state: 'ENABLED' } as FlagSpec, runtime: true },
    ];
    const expected = { checkout, banner: checkout, same: checkout };
    expect(flagDrift(inForce, expected)).toEqual([
      { service: '', change: 'update', field: 'flags.banner.targeting', applied: rolled.targeting, commit: null },
      { service: '', change: 'update', field: 'flags.checkout.state', applied: 'DISABLED', commit: 'ENABLED' },
    ]);
    expect(runtimeFlagsToReset(inForce, expected)).toEqual(['checkout', 'banner']);
  });

  it('tells a flag only the commit has, or only the environment has', () => {
    expect(flagDrift([{ key: 'old', flag: checkout, runtime: false }], { fresh: checkout })).toEqual([
      { service: '', change: 'add', field: 'flags.fresh', applied: null, commit: checkout },
      { service: '', change: 'remove', field: 'flags.old', applied: checkout, commit: null },
    ]);
    expect(runtimeFlagsToReset([{ key: 'old', flag: checkout, runtime: true }], {})).toEqual([]);
  });
});
