/**
 * How long the chaos scenarios run: the short form in `npm test` (seconds each), the full form
 * with `npm run chaos` (SKIFF_CHAOS=long). Each scenario prints one line in the same shape.
 */
import type { TimedLoadResult } from '../e2e/platform.js';

export interface ChaosForm {
  readonly name: 'short' | 'long';
  /** How long instances are killed every second. */
  readonly instanceKillMs: number;
  /** How many times each process (router worker, router primary, control plane) is killed. */
  readonly repetitions: number;
  /** How long the crashing service is loaded. */
  readonly crashingLoadMs: number;
}

export const chaosForm: ChaosForm =
  process.env.SKIFF_CHAOS === 'long'
    ? { name: 'long', instanceKillMs: 60_000, repetitions: 5, crashingLoadMs: 60_000 }
    : { name: 'short', instanceKillMs: 10_000, repetitions: 2, crashingLoadMs: 10_000 };

export interface ChaosLine {
  readonly scenario: string;
  readonly load: Pick<TimedLoadResult, 'total' | 'failed' | 'longestGapMs' | 'failures' | 'retried'> | null;
  /** Empty when the state is intact: otherwise what was lost or left behind. */
  readonly damage: readonly string[];
  readonly note?: string;
}

/** The one line a scenario prints, also a row of RELIABILITY.md's table. */
export function printLine(line: ChaosLine): void {
  const load = line.load;
  const cells = [
    line.scenario,
    load ? String(load.total) : '-',
    load ? String(load.failed) : '-',
    load ? `${load.longestGapMs} ms` : '-',
    line.damage.length === 0 ? 'yes' : `NO: ${line.damage.join('; ')}`,
  ];
  const extra = [
    line.note,
    load && load.retried > 0 ? `${load.retried} GETs sent again after a connection reset` : undefined,
    load && load.failed > 0 ? `first failures: ${load.failures.slice(0, 2).join(' | ')}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  console.log(`CHAOS[${chaosForm.name}] | ${cells.join(' | ')} |${extra ? ` ${extra}` : ''}`);
}
