/**
 * One pod's followed log on this machine: its lines in a file the log collector reads (as it reads
 * a local instance's output), and beside it the cursor of the last line written, so a restarted
 * control plane goes on from there instead of reading the pod's log again.
 */
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { advance, type LogCursor, type TimedLine } from './log-cursor.js';

export class PodLogFile {
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private current: LogCursor | null;

  private constructor(
    readonly logPath: string,
    cursor: LogCursor | null,
  ) {
    this.current = cursor;
  }

  /** The file of a pod; its cursor read back when an earlier control plane followed it. */
  static async open(logPath: string): Promise<PodLogFile> {
    const text = await readFile(cursorPath(logPath), 'utf8').catch(() => null);
    return new PodLogFile(logPath, text === null ? null : parseCursor(text));
  }

  /** The last line kept (written or about to be). */
  get cursor(): LogCursor | null {
    return this.current;
  }

  add(line: TimedLine): void {
    this.current = advance(this.current, line);
    this.pending.push(line.text);
    // Lines that cannot be written (a full disk) are dropped; the follow goes on.
    if (this.pending.length === 1) this.writing = this.writing.then(() => this.write()).catch(() => undefined);
  }

  /** Resolves once every line added so far is in the file. */
  flushed(): Promise<void> {
    return this.writing;
  }

  async remove(): Promise<void> {
    await this.writing;
    await Promise.all([rm(this.logPath, { force: true }), rm(cursorPath(this.logPath), { force: true })]);
  }

  private async write(): Promise<void> {
    const lines = this.pending;
    const cursor = this.current;
    this.pending = [];
    await appendFile(this.logPath, `${lines.join('\n')}\n`, { mode: 0o600 });
    // After the lines: a cursor ahead of the file would lose them on a restart.
    await writeFile(cursorPath(this.logPath), JSON.stringify(cursor), { mode: 0o600 });
  }
}

const cursorPath = (logPath: string): string => `${logPath}.cursor`;

function parseCursor(text: string): LogCursor | null {
  try {
    const value = JSON.parse(text) as Partial<LogCursor> | null;
    return typeof value?.time === 'string' && typeof value.count === 'number' ? { time: value.time, count: value.count } : null;
  } catch {
    return null;
  }
}
