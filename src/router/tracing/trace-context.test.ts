import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent } from './trace-context.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const parentId = '00f067aa0ba902b7';

describe('parseTraceparent (W3C Trace Context level 1)', () => {
  it('reads a valid header and its sampled flag', () => {
    expect(parseTraceparent(`00-${traceId}-${parentId}-01`)).toEqual({ traceId, parentId, sampled: true });
    expect(parseTraceparent(`00-${traceId}-${parentId}-00`)).toEqual({ traceId, parentId, sampled: false });
    // Other flag bits are not "sampled".
    expect(parseTraceparent(`00-${traceId}-${parentId}-02`)?.sampled).toBe(false);
    expect(parseTraceparent(`  00-${traceId}-${parentId}-03 `)?.sampled).toBe(true);
  });

  it('reads a later version by its 00 prefix, as the spec asks', () => {
    expect(parseTraceparent(`01-${traceId}-${parentId}-01`)).toEqual({ traceId, parentId, sampled: true });
    expect(parseTraceparent(`cc-${traceId}-${parentId}-01-what-the-future-holds`)).toEqual({ traceId, parentId, sampled: true });
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['version ff', `ff-${traceId}-${parentId}-01`],
    ['version 00 with more after it', `00-${traceId}-${parentId}-01-extra`],
    ['a later version run on without a dash', `01-${traceId}-${parentId}-01x`],
    ['upper-case hex', `00-${traceId.toUpperCase()}-${parentId}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${parentId}-01`],
    ['an all-zero parent id', `00-${traceId}-${'0'.repeat(16)}-01`],
    ['a short trace id', `00-${traceId.slice(1)}-${parentId}-01`],
    ['wrong separators', `00_${traceId}_${parentId}_01`],
    ['non-hex flags', `00-${traceId}-${parentId}-0g`],
  ])('refuses %s', (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('writes version 00 with the given ids and flag', () => {
    expect(formatTraceparent(traceId, parentId, true)).toBe(`00-${traceId}-${parentId}-01`);
    expect(formatTraceparent(traceId, parentId, false)).toBe(`00-${traceId}-${parentId}-00`);
  });
});
