/** A progress line for work the server answers only when done (builds, rollouts). */
import type { CliContext } from './context.js';

const reportEveryMs = 5000;

/**
 * Prints `label…` before waiting and `still label… Ns` every few seconds until `work` settles.
 * Progress goes to stderr so stdout holds only the result, for scripts.
 */
export async function withProgress<T>(ctx: CliContext, label: string, work: () => Promise<T>): Promise<T> {
  ctx.err(`${label}…`);
  const started = ctx.clock.now();
  const timer = setInterval(() => {
    ctx.err(`still ${label}… ${Math.round((ctx.clock.now() - started) / 1000)} s`);
  }, reportEveryMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
