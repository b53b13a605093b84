import type { Command } from 'commander';
import type { LogLine, LogQuery } from '../../api/control-plane.js';
import type { CliContext, RunCommand } from '../context.js';
import { wholeNumber } from '../options.js';

interface LogsOptions {
  env?: string;
  instance?: string;
  tail: number;
  follow?: boolean;
}

/** `skiff logs SERVICE [--env E] [--instance ID] [--tail N] [-f]`. */
export function registerLogs(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('logs')
    .description("print a service's recent log lines, prefixed by the instance id")
    .argument('<service>', 'the service')
    .option('-e, --env <name>', 'environment (default: SKIFF_ENV or dev)')
    .option('-i, --instance <id>', 'only this instance')
    .option('-n, --tail <lines>', 'lines from the end of each instance log', wholeNumber(0, 100_000), 100)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .action((service: string, options: LogsOptions) => run(() => logs(ctx, service, options)));
}

async function logs(ctx: CliContext, service: string, options: LogsOptions): Promise<number> {
  const query: LogQuery = {
    environment: options.env ?? ctx.config.environment,
    service,
    tail: options.tail,
    ...(options.instance === undefined ? {} : { instance: options.instance }),
  };
  const print = (line: LogLine): void => ctx.out(`${line.instance} | ${line.line}`);
  if (options.follow) await ctx.client.followLogs(query, print, ctx.interrupted());
  else (await ctx.client.logs(query)).forEach(print);
  return 0;
}
