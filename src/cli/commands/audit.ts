import { type Command, InvalidArgumentError } from 'commander';
import type { AuditEntry } from '../../api/access-port.js';
import { parseDuration } from '../../core/units.js';
import type { CliContext, RunCommand } from '../context.js';
import { wholeNumber } from '../options.js';
import { dash, formatTable, formatTime } from '../output.js';

interface AuditOptions {
  since?: string;
  who?: string;
  limit: number;
  json?: boolean;
}

/** A duration back from now (10m, 2h) or an ISO time; checked before anything is sent. */
function since(text: string): string {
  if (parseDuration(text) !== undefined || !Number.isNaN(Date.parse(text))) return text;
  throw new InvalidArgumentError(`"${text}" is neither a duration (30s, 10m, 2h) nor an ISO time (2026-11-26T10:00:00Z)`);
}

/** `skiff audit [--since 1h] [--who NAME] [-n N] [--json]`: who changed what, when, from where, and with what result. */
export function registerAudit(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('audit')
    .description('show the audit log: every change asked of the API and every refused request, newest first')
    .option('-s, --since <when>', 'only entries since a duration ago (10m, 2h) or an ISO time', since)
    .option('-w, --who <name>', 'only entries of this token name')
    .option('-n, --limit <count>', 'how many entries', wholeNumber(1, 10_000), 50)
    .option('--json', 'print JSON')
    .action((options: AuditOptions) => run(() => audit(ctx, options)));
}

async function audit(ctx: CliContext, options: AuditOptions): Promise<number> {
  const duration = options.since === undefined ? undefined : parseDuration(options.since);
  const sinceTime =
    options.since === undefined ? undefined : duration !== undefined ? new Date(ctx.clock.now() - duration).toISOString() : new Date(options.since).toISOString();
  const entries = await ctx.client.audit({
    limit: options.limit,
    ...(sinceTime === undefined ? {} : { since: sinceTime }),
    ...(options.who === undefined ? {} : { who: options.who }),
  });
  if (options.json) {
    ctx.out(JSON.stringify(entries, null, 2));
    return 0;
  }
  if (entries.length === 0) {
    ctx.out('no audit entries');
    return 0;
  }
  for (const line of formatTable(['TIME (UTC)', 'WHO', 'FROM', 'RESULT', 'COUNT', 'WHAT'], entries.map(row))) ctx.out(line);
  return 0;
}

function row(entry: AuditEntry): string[] {
  const who = entry.actor === null ? '(no valid token)' : `${entry.actor} (${dash(entry.role)})`;
  const result = entry.code ? `${entry.status} ${entry.code}` : String(entry.status);
  return [formatTime(entry.time), who, entry.address, result, String(entry.count), entry.summary];
}
