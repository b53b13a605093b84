import type { Command } from 'commander';
import type { JobRunView } from '../../api/job-port.js';
import type { CliContext, RunCommand } from '../context.js';
import { formatTable, formatTime } from '../output.js';

interface JobsOptions {
  env?: string;
  json?: boolean;
  limit?: string;
}

/** `skiff jobs [--env E]`: the scheduled jobs; `skiff jobs NAME`: that job's history. */
export function registerJobs(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('jobs')
    .description('list the scheduled jobs with their last run, result and next run; with a NAME, that job\'s runs')
    .argument('[name]', 'a job: show its runs')
    .option('-e, --env <name>', 'only this environment')
    .option('-n, --limit <count>', 'runs to show (with a NAME)', '20')
    .option('--json', 'print JSON')
    .action((name: string | undefined, options: JobsOptions) => run(() => (name === undefined ? list(ctx, options) : history(ctx, name, options))));
}

function result(run: JobRunView | null): string {
  if (!run) return '-';
  return run.exitCode !== null && run.status !== 'succeeded' ? `${run.status} (exit ${run.exitCode})` : run.status;
}

async function list(ctx: CliContext, options: JobsOptions): Promise<number> {
  const jobs = await ctx.client.jobs(options.env);
  if (options.json) {
    ctx.out(JSON.stringify(jobs, null, 2));
    return 0;
  }
  if (jobs.length === 0) {
    ctx.out('no scheduled jobs (add `jobs:` to skiff.yaml; a job runs where its service has a release)');
    return 0;
  }
  const rows = jobs.map((job) => [
    job.name,
    job.environment,
    job.service,
    `${job.schedule} ${job.timezone}`,
    job.lastRun ? formatTime(job.lastRun.scheduledAt) : '-',
    job.running > 0 ? `running (${job.running})` : result(job.lastRun),
    job.nextRunAt ? formatTime(job.nextRunAt) : '-',
  ]);
  for (const line of formatTable(['JOB', 'ENV', 'SERVICE', 'SCHEDULE', 'LAST RUN (UTC)', 'RESULT', 'NEXT RUN (UTC)'], rows)) ctx.out(line);
  return 0;
}

async function history(ctx: CliContext, name: string, options: JobsOptions): Promise<number> {
  const runs = await ctx.client.jobRuns(name, { ...(options.env ? { environment: options.env } : {}), limit: Number(options.limit ?? 20) || 20 });
  if (options.json) {
    ctx.out(JSON.stringify(runs, null, 2));
    return 0;
  }
  if (runs.length === 0) {
    ctx.out(`job ${name} has not run yet`);
    return 0;
  }
  const rows = runs.map((run) => [String(run.id), run.environment, formatTime(run.scheduledAt), String(run.attempt), result(run), run.reason ?? '']);
  for (const line of formatTable(['RUN', 'ENV', 'SCHEDULED (UTC)', 'ATTEMPT', 'RESULT', 'REASON'], rows)) ctx.out(line);
  return 0;
}
