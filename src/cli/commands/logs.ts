import type { Command } from 'commander';
import type { LogLine, LogQuery } from '../../api/control-plane.js';
import type { CliContext, RunCommand } from '../context.js';
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../../core/units.js';
import { wholeNumber } from '../options.js';

function sinceDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError(`"${text}" is not a duration; write it like 30s, 10m or 2h`);
  return ms;
}

interface LogsOptions {
  env?: string;
  instance?: string;
  release?: string;
  since?: number;
  grep?: string;
  tail: number;
  follow?: boolean;
}

/** `skiff logs SERVICE [--env E] [--instance ID] [--release vN] [--since 10m] [--grep TEXT] [--tail N] [-f]`. */
export function registerLogs(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('logs')
    .description("print a service's recent log lines, prefixed by the instance id")
    .argument('<service>', 'the service')
    .option('-e, --env <name>', 'environment (default: SKIFF_ENV or dev)')
    .option('-i, --instance <id>', 'only this instance')
    .option('-r, --release <version>', 'only instances of this release, e.g. v3')
    .option('-s, --since <duration>', 'only lines from the last 30s, 10m, 2h…', sinceDuration)
    .option('-g, --grep <text>', 'only lines containing this text')
    .option('-n, --tail <lines>', 'at most this many lines, all instances merged in time order', wholeNumber(0, 100_000), 100)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .action((service: string, options: LogsOptions) => run(() => logs(ctx, service, options)));
}

async function logs(ctx: CliContext, service: string, options: LogsOptions): Promise<number> {
  const query: LogQuery = {
    environment: options.env ?? ctx.config.environment,
    service,
    tail: options.tail,
    ...(options.instance === undefined ? {} : { instance: options.instance }),
    ...(options.release === undefined ? {} : { release: options.release }),
    ...(options.since === undefined ? {} : { sinceMs: options.since }),
    ...(options.grep === undefined ? {} : { grep: options.grep }),
  };
  const print = (line: LogLine): void => ctx.out(`${line.time.slice(11, 23)} ${line.instance} | ${line.line}`);
  if (options.follow) await ctx.client.followLogs(query, print, ctx.interrupted());
  else (await ctx.client.logs(query)).forEach(print);
  return 0;
}
