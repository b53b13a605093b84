/**
 * Runtimes started ahead of need: Node and the runtime's code loaded, no function yet. Taking one
 * replaces a Node start (~75 ms here) with a handler load; the pool refills in the background.
 * Pooled runtimes are detached (their own process group, so a Ctrl-C in the terminal does not
 * reach them) but hold an IPC channel to this process: when it ends, however it ends, the channel
 * closes and a runtime that was never given a function exits by itself.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { WarmPoolStatus } from '../driver.js';
import type { Resources } from '../../spec/schema.js';
import type { ProcessEnd } from '../process/running-process.js';
import { isRuntimeReply } from './runtime/protocol.js';
import type { RuntimeReply } from './runtime/protocol.js';

export interface PooledRuntime {
  readonly child: ChildProcess & { readonly pid: number };
  /** Settles when the process ends. */
  readonly exit: Promise<ProcessEnd>;
  /** The replies the runtime sends after `warm`, in order. */
  next(): Promise<RuntimeReply | null>;
  /** What `WarmPoolOptions.prepare` made ready for it while it waited; null when nothing (or it failed). */
  readonly prepared: Promise<PreparedConfinement | null>;
}

/** Cgroups a pooled runtime already sits in, with the limits they were made with. */
export interface PreparedConfinement {
  readonly resources: Resources;
  readonly directories: readonly string[];
}

export interface WarmPoolOptions {
  readonly size: number;
  /** The runtime's entry (dist/drivers/function/runtime/main.js). */
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
  /** Puts a runtime entering the pool into cgroups ahead of need; null: nothing to prepare. */
  readonly prepare?: (pid: number, exit: Promise<ProcessEnd>) => Promise<PreparedConfinement | null>;
}

interface Entry {
  readonly runtime: PooledRuntime;
  warm: boolean;
  gone: boolean;
}

function startRuntime(options: WarmPoolOptions, onWarm: () => void): PooledRuntime | null {
  const child = spawn(process.execPath, [options.script], {
    cwd: '/',
    env: { ...options.env, SKIFF_FUNCTION_RUNTIME: '1' },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    detached: true,
  });
  if (child.pid === undefined) {
    child.on('error', () => undefined);
    return null;
  }
  child.on('error', () => undefined);
  // Neither the process nor its channel keeps the control plane's event loop alive.
  child.unref();
  child.channel?.unref();
  const exit = new Promise<ProcessEnd>((resolve) => child.once('exit', (exitCode, signal) => resolve({ exitCode, signal })));
  const replies: RuntimeReply[] = [];
  const waiters: Array<(reply: RuntimeReply | null) => void> = [];
  let ended = false;
  child.on('message', (message: unknown) => {
    if (!isRuntimeReply(message)) return;
    if (message.type === 'warm') {
      onWarm();
      return;
    }
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else replies.push(message);
  });
  void exit.then(() => {
    ended = true;
    for (const waiter of waiters.splice(0)) waiter(null);
  });
  const prepared = options.prepare ? options.prepare(child.pid, exit).catch(() => null) : Promise.resolve(null);
  return {
    child: child as ChildProcess & { pid: number },
    exit,
    prepared,
    next() {
      const queued = replies.shift();
      if (queued) return Promise.resolve(queued);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** Awaits `promise` with the event loop held open: the unref'd runtimes alone would let it end first. */
export async function heldOpen<T>(promise: Promise<T>): Promise<T> {
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    return await promise;
  } finally {
    clearInterval(keepAlive);
  }
}

function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runtimes that die before they are warm in a row: the pool stops refilling (a broken install must not spin). */
const maxEarlyDeaths = 3;

/**
 * How long a take waits to refill while another warm runtime is left. Starting a runtime blocks
 * this process for the fork (about 10 ms for a control plane's size, measured) and then takes a
 * core for Node's start: done at once, both fall inside the placement that took the runtime (a
 * wake from zero is answered in about 20 ms).
 */
const refillDelayMs = 250;

/**
 * Filled from the first take() on: a machine that runs no function keeps no runtime; once one
 * runs, restarts, new instances and wakes from zero find a warm runtime.
 */
export class WarmPool {
  private readonly entries: Entry[] = [];
  private closed = false;
  private started = false;
  private earlyDeaths = 0;

  constructor(private readonly options: WarmPoolOptions) {}

  /** A started runtime, warm if one is: from the pool, or a new one when the pool is empty. */
  take(): PooledRuntime | null {
    const alive = this.entries.filter((entry) => !entry.gone);
    const entry = alive.find((candidate) => candidate.warm) ?? alive[0];
    if (entry) this.entries.splice(this.entries.indexOf(entry), 1);
    this.started = true;
    if (this.entries.some((other) => other.warm && !other.gone)) setTimeout(() => this.fill(), refillDelayMs).unref();
    else setImmediate(() => this.fill());
    return entry?.runtime ?? startRuntime({ ...this.options, prepare: undefined }, () => undefined);
  }

  /** Synchronous: `skiff status` is built without waiting (a few small /proc reads). */
  status(): WarmPoolStatus {
    const waiting = this.entries.filter((entry) => !entry.gone);
    return {
      size: this.options.size,
      warm: waiting.filter((entry) => entry.warm).length,
      memoryBytes: waiting.reduce((sum, entry) => sum + residentBytes(entry.runtime.child.pid), 0),
    };
  }

  /** Ends the waiting runtimes and starts no more; resolves once they are gone. */
  async close(): Promise<void> {
    this.closed = true;
    const entries = this.entries.splice(0);
    for (const entry of entries) entry.runtime.child.kill('SIGKILL');
    await heldOpen(Promise.all(entries.map((entry) => entry.runtime.exit)));
  }

  private fill(): void {
    if (this.closed || !this.started || this.earlyDeaths >= maxEarlyDeaths) return;
    for (let index = this.entries.length - 1; index >= 0; index -= 1) if (this.entries[index]?.gone) this.entries.splice(index, 1);
    while (this.entries.length < this.options.size) {
      const flags = { warm: false, gone: false };
      const runtime = startRuntime(this.options, () => {
        flags.warm = true;
        this.earlyDeaths = 0;
      });
      if (runtime === null) return;
      const entry: Entry = Object.assign(flags, { runtime });
      // A runtime that died in the pool is replaced.
      void runtime.exit.then(() => {
        entry.gone = true;
        if (!entry.warm) this.earlyDeaths += 1;
        if (this.entries.includes(entry)) setImmediate(() => this.fill());
      });
      this.entries.push(entry);
    }
  }
}
