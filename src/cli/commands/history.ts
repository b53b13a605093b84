import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { wholeNumber } from '../options.js';
import { dash, formatTable, formatTime } from '../output.js';

/** `skiff history [--limit N]`: saved revisions, newest first. */
export function registerHistory(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('history')
    .description('list the saved revisions of the desired state, newest first')
    .option('-n, --limit <count>', 'how many revisions', wholeNumber(1, 10_000), 20)
    .action((options: { limit: number }) => run(() => history(ctx, options.limit)));
}

async function history(ctx: CliContext, limit: number): Promise<number> {
  const revisions = await ctx.client.revisions(limit);
  if (revisions.length === 0) {
    ctx.out('no revisions yet: run `skiff apply`');
    return 0;
  }
  const rows = revisions.map((r) => [String(r.id), formatTime(r.createdAt), r.author, r.hash.slice(0, 12), dash(r.message)]);
  for (const line of formatTable(['REVISION', 'TIME (UTC)', 'AUTHOR', 'HASH', 'MESSAGE'], rows)) ctx.out(line);
  return 0;
}
