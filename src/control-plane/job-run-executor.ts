/**
 * Runs a scheduled job's attempt as a command run of its environment (src/reconcile/command-runs.ts):
 * the same driver, config, secrets, limits, recorded log and adoption as `skiff run` and release
 * commands. The scheduler's abort (timeout, replace, shutdown) stops the run's process group.
 */
import { SkiffError } from '../core/errors.js';
import type { CommandRuns } from '../reconcile/command-runs.js';
import type { StartJobRun } from '../reconcile/job-scheduler.js';
import { lastLines } from '../reconcile/output-tail.js';

/** How many of the last lines of a run's output its job history keeps. */
const keptLines = 20;

export function commandRunJobRunner(runsOf: (environment: string) => CommandRuns | undefined): StartJobRun {
  return async (request) => {
    const runs = runsOf(request.environment);
    if (!runs) throw new SkiffError('SKIFF_NOT_DEPLOYED', `job ${request.job}: ${request.environment} does not run yet`);
    const author = `job ${request.job}`;
    const { run } = await runs.start({
      release: request.service,
      command: request.command,
      kind: 'job',
      author,
      env: { SKIFF_JOB: request.job, SKIFF_JOB_RUN: String(request.runId) },
    });
    const stop = (): void => void runs.stop(run.id, author);
    if (request.signal.aborted) stop();
    else request.signal.addEventListener('abort', stop, { once: true });
    try {
      const ended = await runs.finished(run.id);
      const output = ended.logPath ? (await lastLines(ended.logPath, keptLines)).join('\n') : '';
      return { exitCode: ended.exitCode, signal: ended.signal, output };
    } finally {
      request.signal.removeEventListener('abort', stop);
    }
  };
}
