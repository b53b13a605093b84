import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';

/** Structured JSON logs of the control plane, in `<dataDir>/logs/skiff.log`. */
export function createFileLogger(dataDir: string, level: string): Logger {
  const file = path.join(dataDir, 'logs', 'skiff.log');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return pino({ level, base: { component: 'control-plane' } }, pino.destination({ dest: file, sync: false, mkdir: true }));
}
