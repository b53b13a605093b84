import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dnsLabel, releaseObjectName } from './names.js';

const runs = process.env.SKIFF_FUZZ === 'long' ? 100_000 : 2_000;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** The names `nameSchema` accepts for services and environments. */
const specName = fc.stringMatching(/^[a-z][a-z0-9-]{0,62}$/);
const release = fc.integer({ min: 1, max: 10_000_000 }).map((version) => `v${version}`);

describe('object names', () => {
  it('are DNS-1123 (and DNS-1035) labels of at most 63 characters, for any input', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 80 }), { minLength: 1, maxLength: 4 }), (parts) => {
        const name = dnsLabel(...parts);
        expect(name.length).toBeLessThanOrEqual(63);
        expect(name).toMatch(dns1123Label);
        expect(name).toMatch(dns1035Label);
      }),
      { numRuns: runs },
    );
  });

  it('differ for different inputs', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 90 }), fc.string({ maxLength: 90 }), (a, b) => {
        fc.pre(a !== b);
        expect(dnsLabel(a)).not.toBe(dnsLabel(b));
      }),
      { numRuns: runs },
    );
  });

  it('differ for different releases of services, long names included', () => {
    fc.assert(
      fc.property(fc.tuple(specName, release), fc.tuple(specName, release), ([serviceA, releaseA], [serviceB, releaseB]) => {
        fc.pre(serviceA !== serviceB || releaseA !== releaseB);
        expect(releaseObjectName(serviceA, releaseA)).not.toBe(releaseObjectName(serviceB, releaseB));
      }),
      { numRuns: runs },
    );
  });

  it('keep a name that is already a label as it is, and cut a long one with a hash', () => {
    expect(releaseObjectName('catalog', 'v3')).toBe('catalog-v3');
    const long = releaseObjectName('a'.repeat(63), 'v12');
    expect(long).toMatch(/^a{52}-[0-9a-f]{10}$/);
    expect(releaseObjectName('a'.repeat(63), 'v13')).not.toBe(long);
    expect(dnsLabel('Web_App')).toMatch(/^web-app-[0-9a-f]{10}$/);
    expect(dnsLabel('42')).toMatch(/^h[0-9a-f]{10}$/);
  });
});
