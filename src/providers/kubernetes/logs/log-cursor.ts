/**
 * Following a pod's log across dropped connections without doubling or losing a line. Lines are
 * asked for with their times (`timestamps=true`); a reconnect asks from the last line's second
 * (`sinceTime` keeps whole seconds, and includes that second), and the lines already kept are
 * skipped: those before the last kept time, and as many at that very time as were kept. Pure.
 */

/** Where a followed log got to: the time of the last line kept and how many kept lines have exactly that time. */
export interface LogCursor {
  /** RFC 3339 in UTC with 9 fraction digits, so times compare as strings. */
  readonly time: string;
  readonly count: number;
}

export interface TimedLine {
  readonly time: string;
  readonly text: string;
}

const timestamped = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)(?: (.*))?$/s;

/** A line as the server sends it with timestamps (`2026-12-06T21:00:00.123456789Z text`); null when it has no time. */
export function parseTimestamped(raw: string): TimedLine | null {
  const match = timestamped.exec(raw);
  if (!match) return null;
  const [, seconds, fraction = '', zone, text = ''] = match as unknown as [string, string, string | undefined, string, string | undefined];
  const utc = zone === 'Z' ? seconds : new Date(`${seconds}${zone}`).toISOString().slice(0, 19);
  return { time: `${utc}.${fraction.padEnd(9, '0')}Z`, text };
}

/** The cursor once `line` is kept. */
export function advance(cursor: LogCursor | null, line: TimedLine): LogCursor {
  return cursor?.time === line.time ? { time: line.time, count: cursor.count + 1 } : { time: line.time, count: 1 };
}

/** The `sinceTime` a reconnect asks from: the cursor's whole second. */
export function sinceTimeOf(cursor: LogCursor): string {
  return `${cursor.time.slice(0, 19)}Z`;
}

/** For one connection opened at `from`: true for each line not kept before. */
export function unseenSince(from: LogCursor | null): (line: TimedLine) => boolean {
  let repeated = from?.count ?? 0;
  return (line) => {
    if (from === null || line.time > from.time) return true;
    if (line.time < from.time) return false;
    if (repeated > 0) {
      repeated -= 1;
      return false;
    }
    return true;
  };
}
