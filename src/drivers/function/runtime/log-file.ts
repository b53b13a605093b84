/**
 * Sends the runtime's output (its own lines and the handler's console) to the instance's log file,
 * rotated on the write path as the process driver's log writer does. A pooled runtime is started
 * before it knows its instance, so it cannot be given a log writer's pipe at spawn.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface LogTarget {
  readonly path: string;
  readonly maxBytes: number;
  readonly keep: number;
}

/** Throws when the log cannot be opened (its directory is made if missing). */
export function redirectOutput(target: LogTarget): void {
  fs.mkdirSync(path.dirname(target.path), { recursive: true, mode: 0o700 });
  let fd = fs.openSync(target.path, 'a', 0o600);
  let size = fs.fstatSync(fd).size;

  function rotate(): void {
    fs.closeSync(fd);
    for (let index = target.keep - 1; index >= 1; index -= 1) {
      try {
        fs.renameSync(`${target.path}.${index}`, `${target.path}.${index + 1}`);
      } catch {
        // not there yet
      }
    }
    if (target.keep === 0) fs.rmSync(target.path, { force: true });
    else fs.renameSync(target.path, `${target.path}.1`);
    fd = fs.openSync(target.path, 'a', 0o600);
    size = 0;
  }

  function write(chunk: string | Uint8Array): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    try {
      if (size > 0 && size + bytes.length > target.maxBytes) rotate();
      let offset = 0;
      while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset);
      size += bytes.length;
    } catch {
      // A full disk or a removed file: the line is lost, the function is not blocked.
    }
  }

  for (const stream of [process.stdout, process.stderr]) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      write(chunk);
      const callback = rest.find((item): item is () => void => typeof item === 'function');
      if (callback) queueMicrotask(callback);
      return true;
    }) as typeof stream.write;
  }
}

/** One line in the instance log, from the runtime itself. */
export function logLine(message: string): void {
  process.stderr.write(`[skiff-function] ${new Date().toISOString()} ${message}\n`);
}
