/**
 * Release commands: a new release of a service with `release: { command }` gets none of its
 * instances until its command has succeeded once in the environment. The gate starts the command
 * the first time it is asked about the release and answers from its recorded run after that, so a
 * restarted control plane neither runs it twice nor forgets a failure.
 */
import type { ObservedInstance } from '../core/instance.js';
import type { DesiredService } from '../spec/desired.js';
import type { CommandRun } from './command-run.js';
import type { CommandRuns } from './command-runs.js';
import { lastLines } from './output-tail.js';

export type GateState =
  | { readonly kind: 'open' }
  | { readonly kind: 'running'; readonly run: number | null }
  | { readonly kind: 'failed'; readonly reason: string };

/** How many of the last lines of a failed release command's output its reason quotes. */
const quotedLines = 5;

export interface ReleaseGateDeps {
  readonly runs: CommandRuns;
  /** Plan the service again: its release command ended (or could not start). */
  readonly wake: (service: string) => void;
  /** Who made the release, recorded as the run's author. */
  readonly author: (service: string) => string;
}

export class ReleaseGate {
  /** Failures with the last lines of their output, by run id (read once, when the run ends). */
  private readonly reasons = new Map<number, string>();
  /** Releases whose command is being started, by `service@release`. */
  private readonly starting = new Set<string>();

  constructor(private readonly deps: ReleaseGateDeps) {
    deps.runs.onFinished((run) => {
      if (run.kind !== 'release') return;
      void this.describe(run).then(() => deps.wake(run.service));
    });
  }

  /**
   * Whether instances of the desired release may start. Open when the service has no release
   * command, when instances of the release exist already (it ran before: a restart, an older
   * release taken back), or when its command succeeded.
   */
  check(desired: DesiredService, instances: readonly ObservedInstance[]): GateState {
    const command = desired.releaseCommand;
    if (!command || desired.release === null) return { kind: 'open' };
    if (instances.some((instance) => instance.configHash === desired.configHash)) return { kind: 'open' };
    const key = `${desired.name}@${desired.release}`;
    if (this.starting.has(key)) return { kind: 'running', run: null };
    const [last] = this.deps.runs.list({ service: desired.name, kind: 'release', release: desired.release, limit: 1 });
    if (!last || last.configHash !== desired.configHash) {
      this.start(desired, key, command.command, command.timeout);
      return { kind: 'running', run: null };
    }
    switch (last.state) {
      case 'running':
        return { kind: 'running', run: last.id };
      case 'succeeded':
        return { kind: 'open' };
      case 'failed':
      case 'lost':
        return { kind: 'failed', reason: this.reasons.get(last.id) ?? failureOf(last, []) };
    }
  }

  private start(desired: DesiredService, key: string, command: readonly string[], timeoutMs: number): void {
    this.starting.add(key);
    void this.deps.runs
      .start({ release: desired, command, kind: 'release', author: this.deps.author(desired.name), timeoutMs })
      // A start that failed is recorded as a failed run: the next check reads it.
      .catch(() => undefined)
      .finally(() => {
        this.starting.delete(key);
        this.deps.wake(desired.name);
      });
  }

  private async describe(run: CommandRun): Promise<void> {
    if (run.state === 'succeeded') return;
    this.reasons.set(run.id, failureOf(run, run.logPath ? await lastLines(run.logPath, quotedLines) : []));
  }
}

/** The deployment's reason when its release command failed: what happened and the end of its output. */
export function failureOf(run: CommandRun, output: readonly string[]): string {
  const head = `release command \`${run.command.join(' ')}\` (run ${run.id}) ${run.reason ?? run.state}`;
  return output.length > 0 ? `${head}; last output: ${output.join(' | ')}` : head;
}
