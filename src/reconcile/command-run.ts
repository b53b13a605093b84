/**
 * A command run: one command run to completion with a release of a service in an environment
 * (`skiff run`, a release command, a scheduled job's run). Plain data, persisted as it is.
 */
import type { CommandExit, CommandHandle } from './provider.js';

export type CommandRunKind = 'run' | 'release' | 'job';

/** `lost`: it ended while no control plane watched it, or was adopted and its exit status is unknown. */
export type CommandRunState = 'running' | 'succeeded' | 'failed' | 'lost';

export interface CommandRun {
  readonly id: number;
  readonly environment: string;
  readonly service: string;
  /** The release it ran with, e.g. `v3`, and that release's config hash. */
  readonly release: string;
  readonly configHash: string;
  readonly kind: CommandRunKind;
  readonly command: readonly string[];
  readonly author: string;
  readonly state: CommandRunState;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** For people: why it failed or was lost. */
  readonly reason: string | null;
  /** Killed (with its process group) once it runs this long; null: no bound. */
  readonly timeoutMs: number | null;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly logPath: string | null;
  readonly pid: number | null;
  /** What the provider finds it by after a restart; null before it started. */
  readonly handle: CommandHandle | null;
  /** Who asked it to stop (Ctrl-C in `skiff run`, `skiff runs stop`). */
  readonly stoppedBy: string | null;
}

/** How a run ended, from its exit: the state and the reason people read. */
export function outcomeOf(
  exit: CommandExit,
  context: { readonly timedOutAfterMs: number | null; readonly stoppedBy: string | null; readonly adopted: boolean },
): Pick<CommandRun, 'state' | 'exitCode' | 'signal' | 'reason'> {
  const { exitCode, signal } = exit;
  if (context.timedOutAfterMs !== null) {
    return { state: 'failed', exitCode, signal, reason: `timed out after ${describeMs(context.timedOutAfterMs)}: killed with its process group` };
  }
  if (exitCode === 0) return { state: 'succeeded', exitCode, signal, reason: null };
  if (context.stoppedBy !== null) return { state: 'failed', exitCode, signal, reason: `stopped by ${context.stoppedBy}` };
  if (exit.oomKilled) return { state: 'failed', exitCode, signal, reason: 'killed for using more memory than its limit (OOM)' };
  if (signal !== null) return { state: 'failed', exitCode, signal, reason: `killed by ${signal}` };
  if (exitCode !== null) return { state: 'failed', exitCode, signal, reason: `exited with code ${exitCode}` };
  return {
    state: 'lost',
    exitCode,
    signal,
    reason: context.adopted ? 'ended after a control-plane restart; its exit status is unknown (it was not a child of this control plane)' : 'ended; its exit status is unknown',
  };
}

function describeMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
