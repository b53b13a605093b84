import { describe, expect, it } from 'vitest';
import { sinceParameter, splitFrames, timestampNanos } from './log-pump.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('timestampNanos', () => {
  it('reads the engine stamps, whose fractions have their trailing zeros cut', () => {
    expect(timestampNanos('1970-01-01T00:00:01.5Z')).toBe(1_500_000_000n);
    expect(timestampNanos('2024-05-01T10:00:00.000000123Z')! - timestampNanos('2024-05-01T10:00:00Z')!).toBe(123n);
    expect(timestampNanos('2024-05-01T10:00:00.12Z')! > timestampNanos('2024-05-01T10:00:00.119999999Z')!).toBe(true);
    expect(timestampNanos('not a time')).toBeNull();
  });

  it('turns nanoseconds into the since parameter', () => {
    expect(sinceParameter(1_500_000_007n)).toBe('1.500000007');
  });
});

describe('splitFrames', () => {
  it('splits stdout and stderr frames, strips their stamps and keeps a partial frame for later', () => {
    const whole = Buffer.concat([
      frame(1, '1970-01-01T00:00:01Z out line\n'),
      frame(2, '1970-01-01T00:00:02.25Z err line\n'),
      frame(1, '1970-01-01T00:00:03Z later\n'),
    ]);
    const cut = whole.length - 5;
    const first = splitFrames(whole.subarray(0, cut));
    expect(first.frames.map((f) => [f.stamp, f.payload.toString()])).toEqual([
      [1_000_000_000n, 'out line\n'],
      [2_250_000_000n, 'err line\n'],
    ]);
    const second = splitFrames(Buffer.concat([first.rest, whole.subarray(cut)]));
    expect(second.frames.map((f) => f.payload.toString())).toEqual(['later\n']);
    expect(second.rest.length).toBe(0);
  });
});
