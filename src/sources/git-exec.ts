/** Runs one git (or tar) command without a shell, with a timeout and no prompt for credentials. */
import { execFile } from 'node:child_process';
import type { ExecError } from '../core/errors.js';

export type Exec = (argv: readonly string[], options?: { readonly timeoutMs?: number }) => Promise<ExecError>;

const defaultTimeoutMs = 60_000;

/** `baseEnv`: PATH and HOME, so the user's git credentials and ssh keys work. */
export function createExec(baseEnv: Readonly<Record<string, string>>): Exec {
  // A repository asking for a password must fail, not wait for a terminal nobody watches.
  const env = { ...baseEnv, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' };
  return (argv, options = {}) =>
    new Promise((resolve) => {
      const [program, ...args] = argv;
      execFile(
        program as string,
        args,
        { env, timeout: options.timeoutMs ?? defaultTimeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          resolve({ argv, exitCode: code, stdout, stderr: error !== null && code === null ? `${stderr}${error.message}` : stderr });
        },
      );
    });
}
