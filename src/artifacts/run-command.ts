/**
 * Runs one command from an argv array, never through a shell, with a timeout. The command gets its
 * own process group so a timeout, an abort, leftover background children or this process exiting
 * can end it as a whole.
 */
import { spawn } from 'node:child_process';
import type { ExecError } from '../core/errors.js';

export type OutputStream = 'stdout' | 'stderr';

export interface RunOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly onOutput?: (stream: OutputStream, text: string) => void;
  /** Keep at most this many characters of each stream (the tail); 256 KiB when not given. */
  readonly keepChars?: number;
  /** Told the command's pid (its process group) once it runs; the command waits for nothing. */
  readonly onSpawn?: (pid: number) => unknown;
}

export interface RunResult extends ExecError {
  readonly timedOut: boolean;
  /** The spawn error (e.g. ENOENT for an unknown program), when the command never ran. */
  readonly spawnError?: string;
}

/** Resolves with how the command ended; only a missing argv rejects. */
export function runCommand(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const [program, ...args] = argv;
  if (program === undefined) return Promise.reject(new Error('runCommand needs a program'));
  const keep = options.keepChars ?? 256 * 1024;
  return new Promise((resolve) => {
    const output = { stdout: '', stderr: '' };
    let timedOut = false;
    let spawnError: string | undefined;
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = (): void => killGroup();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Detached, the group would outlive this process: an exit ends it (a SIGKILL cannot; the next build cleans up).
    process.once('exit', killGroup);
    if (child.pid !== undefined) void Promise.resolve(options.onSpawn?.(child.pid)).catch(() => undefined);
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (text: string) => {
        output[stream] = (output[stream] + text).slice(-keep);
        options.onOutput?.(stream, text);
      });
    }
    child.on('error', (error) => {
      spawnError = error.message;
    });
    // A background child that inherited the pipes would keep them open forever: once the command
    // itself has exited, what is left of its group is ended so 'close' can follow.
    child.on('exit', () => killGroup());
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      process.off('exit', killGroup);
      resolve({
        argv: [...argv],
        exitCode: spawnError === undefined ? code : null,
        stdout: output.stdout,
        stderr: output.stderr,
        timedOut,
        ...(spawnError === undefined ? {} : { spawnError }),
      });
    });
  });
}
