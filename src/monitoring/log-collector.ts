/**
 * Collects the instances' output into one time-stamped log per service, so `skiff logs` can merge
 * instances in time order and filter by time, text and release.
 *
 * Instances write their own files (they must keep logging while the control plane is down), so
 * a line's time is when the collector read it: within a second while the control plane runs, and
 * the time it came back for lines written while it was down. Offsets are saved, so nothing is read
 * twice or skipped across restarts.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { appendFile, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';

export interface CollectedLine {
  readonly time: number;
  readonly instance: string;
  readonly release: string;
  readonly line: string;
}

export interface CollectableInstance {
  readonly id: string;
  readonly environment: string;
  readonly service: string;
  readonly release: string;
  readonly logPath: string;
}

export interface CollectedQuery {
  readonly environment: string;
  readonly service: string;
  readonly instance?: string | undefined;
  readonly release?: string | undefined;
  /** Only lines collected at or after this time (ms since epoch). */
  readonly since?: number | undefined;
  readonly grep?: string | undefined;
  /** At most this many lines, the newest. */
  readonly tail?: number | undefined;
}

interface Offset {
  inode: number;
  offset: number;
}

/** Past this size the collected log of a service is rotated; one older file is kept. */
const maxCollectedBytes = 16 * 1024 * 1024;
const maxReadPerPass = 1024 * 1024;

export class LogCollector {
  private readonly emitter = new EventEmitter();
  private offsets = new Map<string, Map<string, Offset>>();
  private timer: NodeJS.Timeout | null = null;
  private collecting: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      readonly dataDir: string;
      readonly clock: Clock;
      readonly logger: Logger;
      readonly instances: () => readonly CollectableInstance[];
      readonly intervalMs?: number;
    },
  ) {
    this.emitter.setMaxListeners(0);
  }

  start(): void {
    this.timer = setInterval(() => void this.collect(), this.options.intervalMs ?? 500);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.collect();
  }

  /** Reads what every instance wrote since the last pass; one pass at a time. */
  collect(): Promise<void> {
    this.collecting = this.collecting.then(() => this.collectOnce()).catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'collecting instance logs failed');
    });
    return this.collecting;
  }

  async query(query: CollectedQuery): Promise<CollectedLine[]> {
    await this.collect();
    const file = this.collectedPath(query.environment, query.service);
    const lines: CollectedLine[] = [];
    for (const candidate of [`${file}.1`, file]) {
      const text = await readFile(candidate, 'utf8').catch(() => '');
      for (const raw of text.split('\n')) {
        if (raw === '') continue;
        const line = parseCollected(raw);
        if (line && matches(line, query)) lines.push(line);
      }
    }
    return query.tail === undefined ? lines : lines.slice(Math.max(0, lines.length - query.tail));
  }

  /** Calls `onLine` for each new line matching the query until the signal aborts. */
  follow(query: CollectedQuery, onLine: (line: CollectedLine) => void, signal: AbortSignal): Promise<void> {
    const key = `${query.environment}/${query.service}`;
    const listener = (line: CollectedLine): void => {
      if (matches(line, query)) onLine(line);
    };
    this.emitter.on(key, listener);
    return new Promise((resolve) => {
      signal.addEventListener(
        'abort',
        () => {
          this.emitter.off(key, listener);
          resolve();
        },
        { once: true },
      );
    });
  }

  private async collectOnce(): Promise<void> {
    const byService = new Map<string, CollectableInstance[]>();
    for (const instance of this.options.instances()) {
      const key = `${instance.environment}/${instance.service}`;
      byService.set(key, [...(byService.get(key) ?? []), instance]);
    }
    for (const [key, instances] of byService) {
      const [environment, service] = key.split('/') as [string, string];
      const offsets = await this.loadOffsets(environment, service);
      const collected: CollectedLine[] = [];
      for (const instance of instances) {
        collected.push(...(await this.readNew(instance, offsets)));
      }
      if (collected.length === 0) continue;
      const file = this.collectedPath(environment, service);
      await appendFile(file, collected.map((line) => `${JSON.stringify([line.time, line.instance, line.release, line.line])}\n`).join(''), {
        mode: 0o600,
      });
      await writeFile(this.offsetsPath(environment, service), JSON.stringify(Object.fromEntries(offsets)), { mode: 0o600 });
      if ((await stat(file)).size > maxCollectedBytes) await rename(file, `${file}.1`);
      for (const line of collected) this.emitter.emit(key, line);
    }
  }

  private async readNew(instance: CollectableInstance, offsets: Map<string, Offset>): Promise<CollectedLine[]> {
    const info = await stat(instance.logPath).catch(() => null);
    if (!info) return [];
    let known = offsets.get(instance.logPath);
    // A new file, or one truncated by rotation, is read from its start.
    if (!known || known.inode !== info.ino || info.size < known.offset) known = { inode: info.ino, offset: 0 };
    if (info.size === known.offset) {
      offsets.set(instance.logPath, known);
      return [];
    }
    const file = await open(instance.logPath, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(maxReadPerPass, info.size - known.offset));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, known.offset);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      // Only whole lines: a partial last line is read again next pass.
      const end = text.lastIndexOf('\n');
      if (end < 0) return [];
      const consumed = Buffer.byteLength(text.slice(0, end + 1));
      offsets.set(instance.logPath, { inode: info.ino, offset: known.offset + consumed });
      const time = this.options.clock.now();
      return text
        .slice(0, end)
        .split('\n')
        .map((line) => ({ time, instance: instance.id, release: instance.release, line }));
    } finally {
      await file.close();
    }
  }

  private async loadOffsets(environment: string, service: string): Promise<Map<string, Offset>> {
    const key = `${environment}/${service}`;
    const cached = this.offsets.get(key);
    if (cached) return cached;
    fs.mkdirSync(path.dirname(this.collectedPath(environment, service)), { recursive: true, mode: 0o700 });
    const text = await readFile(this.offsetsPath(environment, service), 'utf8').catch(() => '{}');
    const loaded = new Map(Object.entries(JSON.parse(text) as Record<string, Offset>));
    this.offsets.set(key, loaded);
    return loaded;
  }

  private collectedPath(environment: string, service: string): string {
    return path.join(this.options.dataDir, 'logs', environment, service, 'collected.jsonl');
  }

  private offsetsPath(environment: string, service: string): string {
    return path.join(this.options.dataDir, 'logs', environment, service, 'collected.offsets.json');
  }
}

function parseCollected(raw: string): CollectedLine | null {
  try {
    const [time, instance, release, line] = JSON.parse(raw) as [number, string, string, string];
    return { time, instance, release, line };
  } catch {
    return null;
  }
}

function matches(line: CollectedLine, query: CollectedQuery): boolean {
  return (
    (query.instance === undefined || line.instance === query.instance) &&
    (query.release === undefined || line.release === query.release) &&
    (query.since === undefined || line.time >= query.since) &&
    (query.grep === undefined || line.line.includes(query.grep))
  );
}
