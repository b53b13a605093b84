import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { wholeNumber } from '../options.js';
import { dash, formatTable, formatTime } from '../output.js';

/** `skiff history [--env E] [--limit N]`: saved revisions, newest first. */
export function registerHistory(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('history')
    .description('list the saved revisions of the desired state, newest first')
    .option('-e, --env <name>', 'only the revisions that changed this environment')
    .option('-n, --limit <count>', 'how many revisions', wholeNumber(1, 10_000), 20)
    .action((options: { env?: string; limit: number }) => run(() => history(ctx, options.limit, options.env)));
}

async function history(ctx: CliContext, limit: number, environment: string | undefined): Promise<number> {
  const revisions = await ctx.client.revisions(limit, environment);
  if (revisions.length === 0) {
    ctx.out(environment === undefined ? 'no revisions yet: run `skiff apply`' : `no revision has changed ${environment} yet`);
    return 0;
  }
  const rows = revisions.map((r) => [String(r.id), formatTime(r.createdAt), r.author, r.hash.slice(0, 12), r.commit ? r.commit.slice(0, 12) : '-', dash(r.message)]);
  for (const line of formatTable(['REVISION', 'TIME (UTC)', 'AUTHOR', 'HASH', 'COMMIT', 'MESSAGE'], rows)) ctx.out(line);
  return 0;
}
