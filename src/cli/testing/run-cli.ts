/** Runs `skiff` in-process for tests, capturing what it prints. */
import type { Clock } from '../../core/clock.js';
import { runCli, type CliIo } from '../program.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliHarness {
  /** Output printed so far by runs still going (for follow commands). */
  readonly live: { stdout: string; stderr: string };
  run(args: readonly string[], io?: Partial<CliIo>): Promise<CliRun>;
}

/** `token`: what the CLI sends, as if from SKIFF_TOKEN. */
export function cliHarness(defaults: Partial<CliIo> & { apiUrl?: string; token?: string; clock?: Clock }): CliHarness {
  const live = { stdout: '', stderr: '' };
  return {
    live,
    async run(args, io = {}) {
      let stdout = '';
      let stderr = '';
      const { apiUrl, token, ...rest } = defaults;
      const code = await runCli(['node', 'skiff', ...args], {
        config: {
          apiUrl: apiUrl ?? 'http://127.0.0.1:65530',
          environment: 'dev',
          token,
          tokenSource: token === undefined ? { kind: 'none', file: '/nowhere/.skiff/token' } : { kind: 'env' },
        },
        author: 'tester',
        ...rest,
        ...io,
        stdout: { write: (text: string) => ((stdout += text), (live.stdout += text)) },
        stderr: { write: (text: string) => ((stderr += text), (live.stderr += text)) },
      });
      return { code, stdout, stderr };
    },
  };
}
