/**
 * Instance log files: rotation, tail and follow. An instance holds its log open in append mode
 * for its whole life, so rotation is copy-then-truncate: the instance keeps its descriptor and its
 * next write lands at the new end (offset 0). Lines written between the copy and the truncate are
 * lost; that window is a few milliseconds per rotation.
 */
import { constants } from 'node:fs';
import { copyFile, open, rename, stat, truncate } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { sleep } from '../../core/clock.js';

export interface LogRotation {
  /** Rotate once the file is larger than this. */
  readonly maxBytes: number;
  /** How many rotated files (`path.1` … `path.<keep>`) to keep; 0 keeps none. */
  readonly keep: number;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Rotates `path` when it is larger than `maxBytes`; returns whether it did. A missing file is not rotated. */
export async function rotateLogIfLarge(path: string, rotation: LogRotation): Promise<boolean> {
  const size = await stat(path).then(
    (info) => info.size,
    (error: unknown) => {
      if (isMissing(error)) return -1;
      throw error;
    },
  );
  if (size <= rotation.maxBytes) return false;
  if (rotation.keep > 0) {
    for (let index = rotation.keep - 1; index >= 1; index -= 1) {
      await rename(`${path}.${index}`, `${path}.${index + 1}`).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    }
    await copyFile(path, `${path}.1`);
  }
  await truncate(path, 0);
  return true;
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
 * the file's size: when it shrinks (copy-truncate rotation) or the file is replaced (another
 * inode), reading restarts from the beginning. A file that does not exist yet is waited for.
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
