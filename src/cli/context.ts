/**
 * What every command gets: configuration, the API client, output streams, a clock and the
 * Ctrl-C signal. `main` builds it from the process; tests build it from their own parts.
 */
import type { ApiClient } from '../client/api-client.js';
import type { Clock } from '../core/clock.js';
import type { CliConfig } from '../config/cli-config.js';

export interface TextSink {
  write(text: string): unknown;
}

export interface CliContext {
  readonly config: CliConfig;
  readonly client: ApiClient;
  readonly clock: Clock;
  /** Directory relative file arguments start from. */
  readonly cwd: string;
  /** The local user. Not sent: the server records the token's name as the author of every change. */
  readonly author: string;
  /** Bound on how long `skiff stop` waits for the server to go. */
  readonly stopTimeoutMs: number;
  out(line?: string): void;
  err(line?: string): void;
  /** Writes text to standard output as it is, without a line end (a run's output as it comes). */
  write(text: string): void;
  /** Standard input as it arrives (`skiff run` passes it on); read it at most once. */
  input(): AsyncIterable<string | Uint8Array>;
  /** All of standard input as UTF-8; SKIFF_BAD_REQUEST beyond `maxBytes`. */
  readStdin(maxBytes: number): Promise<string>;
  /** Aborts on Ctrl-C; commands that run until interrupted pass it on. */
  interrupted(): AbortSignal;
}

/** Runs a command's action, printing a failure and recording the exit code. */
export type RunCommand = (action: () => Promise<number>) => Promise<void>;
