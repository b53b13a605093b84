/**
 * Instance log files: rotation, tail and follow. Whoever writes a log (the process driver's log
 * writer, the docker driver's log pump) rotates it on the write path: before a write that would
 * take the file past `maxBytes`, the file is renamed to `path.1` (older ones shift up) and a new
 * one is started. Readers notice the new inode and start over.
 */
import { constants } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { sleep } from '../../core/clock.js';

export interface LogRotation {
  /** A write that would take the file past this size starts a new file first. */
  readonly maxBytes: number;
  /** How many rotated files (`path.1` … `path.<keep>`) to keep; 0 keeps none. */
  readonly keep: number;
}

/** At most 10 MiB × 4 files per instance. */
export const defaultLogRotation: LogRotation = { maxBytes: 10 * 1024 * 1024, keep: 3 };

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Whether appending `bytes` to a file of `size` must start a new file first. */
export function needsRotation(size: number, bytes: number, rotation: LogRotation): boolean {
  return size > 0 && size + bytes > rotation.maxBytes;
}

/** Moves `path` to `path.1` (and `.1` to `.2`, …, dropping what is past `keep`); the writer then opens a new `path`. */
export async function rotateLog(path: string, rotation: LogRotation): Promise<void> {
  if (rotation.keep === 0) {
    await rm(path, { force: true });
    return;
  }
  for (let index = rotation.keep - 1; index >= 1; index -= 1) {
    await rename(`${path}.${index}`, `${path}.${index + 1}`).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
  }
  await rename(path, `${path}.1`).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
  });
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The last `count` lines of the file (without their newlines); [] when it does not exist. */
export async function readLogTail(path: string, count: number): Promise<string[]> {
  if (count <= 0) return [];
  let file;
  try {
    file = await open(path, constants.O_RDONLY);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  try {
    const { size } = await file.stat();
    const chunkSize = 64 * 1024;
    const chunks: Buffer[] = [];
    let position = size;
    let newlines = 0;
    // Read backwards until the chunks hold more newlines than lines asked for (one may end the file).
    while (position > 0 && newlines <= count) {
      const length = Math.min(chunkSize, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await file.read(chunk, 0, length, position);
      const read = chunk.subarray(0, bytesRead);
      for (const byte of read) if (byte === 0x0a) newlines += 1;
      chunks.unshift(read);
    }
    const lines = splitLines(Buffer.concat(chunks).toString('utf8'));
    // When reading stopped mid-file, the first line may be partial; it is dropped unless needed.
    return lines.slice(Math.max(0, lines.length - count));
  } finally {
    await file.close();
  }
}

export interface FollowOptions {
  /** Start at the beginning of the file instead of its current end. */
  readonly fromStart?: boolean;
  readonly intervalMs?: number;
}

/**
 * Calls `onLine` for each line appended to the file until `signal` aborts; resolves then. Polls
 * the file's size: when it shrinks or the file is replaced (rotation: another inode), reading
 * restarts from the beginning. A file that does not exist yet is waited for.
 * Like `tail -F`, a truncation is missed if the file grows past the old offset between two polls.
 */
export async function followLog(
  path: string,
  onLine: (line: string) => void,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? 200;
  const maxRead = 1024 * 1024;
  let offset = -1;
  let inode = -1;
  let decoder = new StringDecoder('utf8');
  let partial = '';
  const restart = (): void => {
    const rest = partial + decoder.end();
    if (rest !== '') onLine(rest);
    partial = '';
    decoder = new StringDecoder('utf8');
    offset = 0;
  };

  while (!signal.aborted) {
    let more = false;
    const info = await stat(path).catch(() => null);
    if (info !== null) {
      if (offset < 0) offset = options.fromStart ? 0 : info.size;
      else if (info.ino !== inode || info.size < offset) restart();
      inode = info.ino;
      if (info.size > offset) {
        const file = await open(path, constants.O_RDONLY).catch(() => null);
        if (file !== null) {
          try {
            const buffer = Buffer.alloc(Math.min(maxRead, info.size - offset));
            const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
            offset += bytesRead;
            more = offset < info.size;
            const lines = (partial + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines) onLine(line);
          } finally {
            await file.close();
          }
        }
      }
    } else if (offset < 0) {
      offset = 0;
    }
    if (!more) await sleep(intervalMs, signal);
  }
}
