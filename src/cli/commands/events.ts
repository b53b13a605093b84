import type { Command } from 'commander';
import type { EventQuery, EventRecord } from '../../api/control-plane.js';
import type { CliContext, RunCommand } from '../context.js';
import { wholeNumber } from '../options.js';
import { dash, formatTable, formatTime } from '../output.js';

interface EventsOptions {
  env?: string;
  service?: string;
  type?: string;
  limit: number;
  follow?: boolean;
}

/** `skiff events [--env E] [--service S] [--limit N] [-f]`: the timeline, oldest first. */
export function registerEvents(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('events')
    .description('show recent events: starts, crashes, restarts, applies')
    .option('-e, --env <name>', 'only this environment')
    .option('-s, --service <name>', 'only this service')
    .option('-t, --type <type>', 'only this event type, e.g. instance.crashed')
    .option('-n, --limit <count>', 'how many recent events', wholeNumber(1, 10_000), 50)
    .option('-f, --follow', 'keep printing new events until Ctrl-C')
    .action((options: EventsOptions) => run(() => events(ctx, options)));
}

async function events(ctx: CliContext, options: EventsOptions): Promise<number> {
  const query: EventQuery = {
    limit: options.limit,
    ...(options.env === undefined ? {} : { environment: options.env }),
    ...(options.service === undefined ? {} : { service: options.service }),
    ...(options.type === undefined ? {} : { type: options.type }),
  };
  const recent = [...(await ctx.client.events(query))].sort((a, b) => a.id - b.id);
  if (recent.length === 0 && !options.follow) {
    ctx.out('no events');
    return 0;
  }
  for (const line of formatTable(headers, recent.map(row))) ctx.out(line);
  if (!options.follow) return 0;
  const matches = (event: EventRecord): boolean =>
    (query.environment === undefined || event.environment === query.environment) &&
    (query.service === undefined || event.service === query.service) &&
    (query.type === undefined || event.type === query.type);
  // Live events are not aligned with the table above: their widths are not known in advance.
  await ctx.client.streamEvents(
    (event) => {
      if (matches(event)) ctx.out(row(event).join('  '));
    },
    ctx.interrupted(),
    { afterId: recent.at(-1)?.id ?? 0 },
  );
  return 0;
}

const headers = ['TIME (UTC)', 'TYPE', 'ENV', 'SERVICE', 'INSTANCE', 'MESSAGE'];

function row(event: EventRecord): string[] {
  return [formatTime(event.time), event.type, dash(event.environment), dash(event.service), dash(event.instance), event.message];
}
