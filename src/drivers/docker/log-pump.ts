/**
 * Copies a container's output from the engine into the instance's log file (the same file the
 * process driver writes, so `skiff logs` reads both alike). The engine stamps every line; a
 * cursor file beside the log says up to which stamp the file holds, so a control plane that
 * adopts the container after a restart continues from there: lines written while no control
 * plane ran are copied, none twice. The cursor is written before each batch, naming the stamps
 * and file sizes before and after it; a batch a dying control plane wrote only in part is cut
 * off and copied again. The pump rotates the file itself, before a batch that would take it past
 * the limit, so what is kept is bounded however fast the container writes.
 */
import { open, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { defaultLogRotation, needsRotation, rotateLog } from '../process/log-rotation.js';
import type { LogRotation } from '../process/log-rotation.js';

export interface LogPump {
  /** Settles when the engine ends the stream (the container stopped) or the pump fails. */
  readonly done: Promise<void>;
  /** Ends the pump early (the container is being forgotten). */
  stop(): void;
}

export function logCursorPath(logPath: string): string {
  return `${logPath}.cursor`;
}

/** An RFC 3339 time with up to nanoseconds (as the engine writes it) → nanoseconds since the epoch. */
export function timestampNanos(text: string): bigint | null {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return null;
  const seconds = Date.parse(`${match[1] as string}${match[3] as string}`);
  if (Number.isNaN(seconds)) return null;
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/** Nanoseconds → the `since` the logs API takes (seconds with a fraction). */
export function sinceParameter(nanos: bigint): string {
  return `${nanos / 1_000_000_000n}.${(nanos % 1_000_000_000n).toString().padStart(9, '0')}`;
}

export interface LogFrame {
  readonly stamp: bigint | null;
  readonly payload: Buffer;
}

/**
 * Splits the engine's multiplexed stream (8-byte header: stream type, 3 zero bytes, big-endian
 * length) into frames; returns the frames and the unconsumed rest. Each frame starts with its
 * timestamp and a space, which is taken off.
 */
export function splitFrames(buffer: Buffer): { frames: LogFrame[]; rest: Buffer } {
  const frames: LogFrame[] = [];
  let offset = 0;
  while (buffer.length - offset >= 8) {
    const length = buffer.readUInt32BE(offset + 4);
    if (buffer.length - offset - 8 < length) break;
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    offset += 8 + length;
    const space = body.indexOf(0x20);
    const stamp = space > 0 ? timestampNanos(body.subarray(0, space).toString('ascii')) : null;
    frames.push({ stamp, payload: stamp === null ? body : body.subarray(space + 1) });
  }
  return { frames, rest: buffer.subarray(offset) };
}

/** A batch about to be appended: the file holds every line up to `previous` at `from` bytes, up to `stamp` at `to`. */
interface Cursor {
  readonly previous: string | null;
  readonly stamp: string;
  readonly from: number;
  readonly to: number;
}

function isCursor(value: unknown): value is Cursor {
  const cursor = value as Partial<Cursor> | null;
  return typeof cursor?.stamp === 'string' && typeof cursor.from === 'number' && typeof cursor.to === 'number';
}

/** Where to resume: the last stamp the file fully holds, cutting off a batch written in part. */
async function resumePoint(cursorPath: string, logPath: string): Promise<bigint | null> {
  let cursor: unknown;
  try {
    cursor = JSON.parse(await readFile(cursorPath, 'utf8'));
  } catch {
    return null;
  }
  if (!isCursor(cursor)) return null;
  const size = await stat(logPath).then((info) => info.size, () => 0);
  if (size >= cursor.to) return BigInt(cursor.stamp);
  // A size below `from` means the log was rotated meanwhile: nothing to cut then.
  if (size > cursor.from) await truncate(logPath, cursor.from);
  return cursor.previous === null ? null : BigInt(cursor.previous);
}

/** Starts copying into `logPath` (append mode), rotating it on the write path. */
export function pumpContainerLogs(container: Docker.Container, logPath: string, rotation: LogRotation = defaultLogRotation): LogPump {
  const abort = new AbortController();
  const cursorPath = logCursorPath(logPath);

  async function run(): Promise<void> {
    const cursor = await resumePoint(cursorPath, logPath);
    let file: FileHandle = await open(logPath, 'a', 0o600);
    let last = cursor;
    // The stamp the file fully holds.
    let written = cursor;
    let pending = Buffer.alloc(0);
    let writing: Promise<void> = Promise.resolve();
    try {
      const stream = (await container.logs({
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: true,
        // Inclusive: the line at the cursor comes again and is skipped below.
        ...(cursor !== null ? { since: sinceParameter(cursor) as unknown as number } : {}),
        abortSignal: abort.signal,
      })) as unknown as Readable & { socket?: Socket };
      // Copying logs must not keep a finished program alive, like the process driver's watchers.
      stream.socket?.unref();
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => {
          const { frames, rest } = splitFrames(pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk);
          pending = Buffer.from(rest);
          const parts: Buffer[] = [];
          for (const frame of frames) {
            if (frame.stamp !== null && last !== null && frame.stamp <= last) continue;
            parts.push(frame.payload);
            if (frame.stamp !== null) last = frame.stamp;
          }
          if (parts.length === 0) return;
          const stamp = last;
          writing = writing.then(async () => {
            const data = Buffer.concat(parts);
            if (needsRotation((await file.stat()).size, data.length, rotation)) {
              await file.close();
              await rotateLog(logPath, rotation);
              file = await open(logPath, 'a', 0o600);
            }
            if (stamp !== null) {
              const from = (await file.stat()).size;
              const next: Cursor = { previous: written === null ? null : String(written), stamp: String(stamp), from, to: from + data.length };
              // Replaced whole (write, then rename): a control plane killed mid-write leaves the old cursor, never half a new one.
              await writeFile(`${cursorPath}.new`, JSON.stringify(next), { mode: 0o600 });
              await rename(`${cursorPath}.new`, cursorPath);
            }
            await file.write(data);
            if (stamp !== null) written = stamp;
          });
        });
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', reject);
      });
    } finally {
      await writing.catch(() => undefined);
      await file.close();
    }
  }

  const done = run().catch(() => undefined);
  return { done, stop: () => abort.abort() };
}
