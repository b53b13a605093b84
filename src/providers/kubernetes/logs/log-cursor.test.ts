import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advance, parseTimestamped, sinceTimeOf, unseenSince, type LogCursor, type TimedLine } from './log-cursor.js';

describe('log cursor', () => {
  it('reads the times the kubelet and the Docker engine write, in one comparable form', () => {
    expect(parseTimestamped('2026-12-06T21:00:00.1234Z served /')).toEqual({ time: '2026-12-06T21:00:00.123400000Z', text: 'served /' });
    expect(parseTimestamped('2026-12-06T21:00:00Z ')).toEqual({ time: '2026-12-06T21:00:00.000000000Z', text: '' });
    expect(parseTimestamped('2026-12-06T23:00:00.5+02:00 a  b')).toEqual({ time: '2026-12-06T21:00:00.500000000Z', text: 'a  b' });
    expect(parseTimestamped('no time here')).toBeNull();
    // As the engine trims trailing zeros: .1 is after .05 once both are normalised.
    expect(parseTimestamped('2026-12-06T21:00:00.1Z x')!.time > parseTimestamped('2026-12-06T21:00:00.05Z x')!.time).toBe(true);
    expect(sinceTimeOf({ time: '2026-12-06T21:00:07.900000000Z', count: 1 })).toBe('2026-12-06T21:00:07Z');
  });

  it('a log read over connections that drop anywhere keeps every line once, in order (same-second and same-time lines included)', () => {
    // Lines at few distinct times, many sharing a second or the very same nanosecond.
    const logs = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 40 }).map((steps) => {
      let second = 0;
      let fraction = 0;
      return steps.map(([nextSecond, nextFraction], index): TimedLine => {
        if (nextSecond > 0) [second, fraction] = [second + nextSecond, 0];
        fraction += nextFraction;
        return { time: `2026-12-06T21:00:${String(second).padStart(2, '0')}.${String(fraction).padStart(9, '0')}Z`, text: `line ${index}` };
      });
    });
    fc.assert(
      fc.property(logs, fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 8 }), (log, drops) => {
        const kept: TimedLine[] = [];
        let cursor: LogCursor | null = null;
        // Each connection gets the lines from the cursor's whole second on (the server's sinceTime), and drops after some lines.
        for (const cutAfter of [...drops, Number.POSITIVE_INFINITY]) {
          const since = cursor === null ? '' : sinceTimeOf(cursor).replace('Z', '');
          const sent = log.filter((line) => line.time >= since).slice(0, cutAfter);
          const unseen = unseenSince(cursor);
          for (const line of sent) {
            if (!unseen(line)) continue;
            kept.push(line);
            cursor = advance(cursor, line);
          }
        }
        expect(kept).toEqual(log);
      }),
      { numRuns: 500 },
    );
  });
});
