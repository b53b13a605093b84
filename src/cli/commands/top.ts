import type { Command } from 'commander';
import type { TopView } from '../../api/monitoring-port.js';
import { sleep } from '../../core/clock.js';
import type { CliContext, RunCommand } from '../context.js';
import { formatBytes, formatTable } from '../output.js';

interface TopOptions {
  env?: string;
  once?: boolean;
}

const refreshMs = 2_000;
/** Home the cursor and clear the screen, so each refresh replaces the last table. */
const clearScreen = '\u001b[H\u001b[2J';

/** `skiff top [--env E] [--once]`: a live table per service, refreshed every 2 s until Ctrl-C. */
export function registerTop(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('top')
    .description('a live table per service: rps, error rate, p50/p99, ready/desired, CPU, memory')
    .option('-e, --env <name>', 'environment (default: SKIFF_ENV or dev)')
    .option('--once', 'print one table and exit')
    .action((options: TopOptions) => run(() => top(ctx, options)));
}

async function top(ctx: CliContext, options: TopOptions): Promise<number> {
  const environment = options.env ?? ctx.config.environment;
  if (options.once) {
    for (const line of formatTop(await ctx.client.top(environment))) ctx.out(line);
    return 0;
  }
  const signal = ctx.interrupted();
  while (!signal.aborted) {
    const view = await ctx.client.top(environment);
    ctx.out(`${clearScreen}${formatTop(view).join('\n')}`);
    await sleep(refreshMs, signal);
  }
  return 0;
}

export function formatTop(view: TopView): string[] {
  const title = `environment ${view.environment}, last ${view.windowSeconds}s${view.sampledAt ? ` (sampled ${view.sampledAt})` : ' (no sample yet)'}`;
  const note = view.usageUnavailable ? [view.usageUnavailable] : [];
  if (view.services.length === 0) return [title, 'no services', ...note];
  const rows = view.services.map((row) => [
    row.service,
    row.rps === null ? '-' : row.rps.toFixed(1),
    row.errorRate === null ? '-' : `${(row.errorRate * 100).toFixed(1)}%`,
    ms(row.p50),
    ms(row.p99),
    `${row.ready}/${row.desired}`,
    row.cpu === null ? '-' : `${(row.cpu * 100).toFixed(1)}%`,
    row.memoryBytes === null ? '-' : formatBytes(row.memoryBytes),
  ]);
  return [title, ...formatTable(['SERVICE', 'RPS', 'ERRORS', 'P50', 'P99', 'READY', 'CPU', 'MEMORY'], rows), ...note];
}

function ms(seconds: number | null): string {
  if (seconds === null) return '-';
  const value = seconds * 1000;
  return value < 10 ? `${value.toFixed(1)}ms` : `${Math.round(value)}ms`;
}
