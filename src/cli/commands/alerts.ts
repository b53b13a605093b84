import type { Command } from 'commander';
import type { AlertView } from '../../api/monitoring-port.js';
import { formatDuration } from '../../core/units.js';
import type { CliContext, RunCommand } from '../context.js';
import { dash, formatTable, formatTime } from '../output.js';

interface AlertsOptions {
  env?: string;
  firing?: boolean;
  json?: boolean;
}

/** `skiff alerts [--env E] [--firing] [--json]`: the alert rules and their state. */
export function registerAlerts(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('alerts')
    .description('list the alert rules with their state (firing ones first)')
    .option('-e, --env <name>', 'only this environment')
    .option('--firing', 'only firing alerts')
    .option('--json', 'print JSON')
    .action((options: AlertsOptions) => run(() => alerts(ctx, options)));
}

const order: Record<AlertView['state'], number> = { firing: 0, pending: 1, inactive: 2 };

async function alerts(ctx: CliContext, options: AlertsOptions): Promise<number> {
  const list = [
    ...(await ctx.client.alerts({
      ...(options.env === undefined ? {} : { environment: options.env }),
      ...(options.firing ? { state: 'firing' as const } : {}),
    })),
  ].sort((a, b) => order[a.state] - order[b.state] || a.name.localeCompare(b.name));
  if (options.json) {
    ctx.out(JSON.stringify(list, null, 2));
    return 0;
  }
  if (list.length === 0) {
    ctx.out(options.firing ? 'no firing alerts' : 'no alert rules (add `alerts:` to skiff.yaml)');
    return 0;
  }
  const rows = list.map((alert) => [
    alert.state.toUpperCase(),
    alert.name,
    alert.environment,
    alert.severity,
    alert.expr,
    formatDuration(alert.forMs),
    alert.value === null ? '-' : formatNumber(alert.value),
    alert.since === null ? '-' : formatTime(alert.since),
  ]);
  for (const line of formatTable(['STATE', 'ALERT', 'ENV', 'SEVERITY', 'CONDITION', 'FOR', 'VALUE', 'SINCE (UTC)'], rows)) ctx.out(line);
  return 0;
}

function formatNumber(value: number): string {
  return dash(Number.isInteger(value) ? value : Number(value.toPrecision(3)));
}
