/**
 * The port the command-run routes serve (`skiff run`, `skiff runs`): `main/` wires the command
 * runs of the environments to it. Its views are plain JSON.
 */
import type { Readable } from 'node:stream';

export type CommandRunKind = 'run' | 'release' | 'job';
export type CommandRunState = 'running' | 'succeeded' | 'failed' | 'lost';

export interface CommandRunView {
  readonly id: number;
  readonly environment: string;
  readonly service: string;
  /** The release it ran with, e.g. `v3`. */
  readonly release: string;
  readonly kind: CommandRunKind;
  readonly command: readonly string[];
  readonly author: string;
  readonly state: CommandRunState;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly reason: string | null;
  readonly timeoutMs: number | null;
  /** ISO times. */
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly pid: number | null;
  readonly stoppedBy: string | null;
}

/** One line of a run's output stream: a chunk of its output, or the run once it has ended (the last line). */
export type CommandRunOutputLine = { readonly output: string } | { readonly run: CommandRunView };

export interface StartCommandRunRequest {
  readonly environment: string;
  readonly service: string;
  readonly command: readonly string[];
  readonly author: string;
  /** Keep its standard input open for `input` (the CLI's own stdin). */
  readonly stdin: boolean;
}

export interface RunPort {
  /** Records and starts the run; answers once it runs. */
  start(request: StartCommandRunRequest): Promise<CommandRunView>;
  get(environment: string, id: number): CommandRunView;
  /** Newest first. */
  list(query: { readonly environment: string; readonly service: string; readonly limit: number }): readonly CommandRunView[];
  /** SIGTERM to its process group (or container), SIGKILL after the service's stop grace. */
  stop(environment: string, id: number, author: string): CommandRunView;
  /**
   * Its output from the start; with `follow`, new output until it ends. Resolves with the run as
   * it is at the end (still running when not following, or when `signal` aborted).
   */
  output(environment: string, id: number, options: { readonly follow: boolean; readonly signal: AbortSignal }, onOutput: (text: string) => void): Promise<CommandRunView>;
  /** Copies `input` to the run's standard input; the end of `input` is the end of its input. */
  input(environment: string, id: number, input: Readable): Promise<void>;
}
