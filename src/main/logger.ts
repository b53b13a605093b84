import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';

/** Structured JSON logs of the control plane, in `<dataDir>/logs/skiff.log`. */
export function createFileLogger(dataDir: string, level: string): Logger {
  const file = path.join(dataDir, 'logs', 'skiff.log');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return pino({ level, base: { component: 'control-plane' } }, appendingDestination(file));
}

/**
 * Appends each line with one write. A line that cannot be written (a full disk) is dropped and
 * counted, never retried or buffered: the control plane must not stall, or grow, on its own log.
 * Once writing works again, a line says how many were lost.
 */
export function appendingDestination(file: string): DestinationStream {
  let fd: number | null = null;
  let dropped = 0;
  return {
    write(line: string): void {
      try {
        fd ??= fs.openSync(file, 'a', 0o600);
        if (dropped > 0) {
          const notice = { level: 40, time: Date.now(), component: 'control-plane', msg: `${dropped} log lines were dropped: the disk was full` };
          fs.writeSync(fd, `${JSON.stringify(notice)}\n`);
          dropped = 0;
        }
        fs.writeSync(fd, line);
      } catch {
        dropped += 1;
      }
    },
  };
}
