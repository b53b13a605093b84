import type { Command } from 'commander';
import { SkiffError } from '../../core/errors.js';
import type { EffectiveFlag, FlagChangeResult } from '../../api/flags-port.js';
import { parsePercent } from '../../flags/flag-changes.js';
import type { CliContext, RunCommand } from '../context.js';
import { formatTable } from '../output.js';

const envOption = ['-e, --env <name>', 'environment (default: SKIFF_ENV or dev)'] as const;

/** `skiff flag list|get|set|rollout|reset|history`: flags changed at run time, without a deploy. */
export function registerFlag(program: Command, ctx: CliContext, run: RunCommand): void {
  const flag = program.command('flag').description('feature flags of an environment: look at them, and change them at run time (no deploy)');
  const environment = (options: { env?: string }): string => options.env ?? ctx.config.environment;

  flag
    .command('list')
    .description('the flags of an environment: state, default variant, targeting, and whether a run-time change is in force')
    .option(...envOption)
    .action((options: { env?: string }) =>
      run(async () => {
        const flags = await ctx.client.flags(environment(options));
        for (const line of formatTable(['FLAG', 'STATE', 'DEFAULT', 'TARGETING', 'SOURCE'], flags.map(flagRow))) ctx.out(line);
        return 0;
      }),
    );

  flag
    .command('get')
    .description('one flag as the environment evaluates it, in flagd\'s format')
    .argument('<flag>', 'the flag key')
    .option(...envOption)
    .action((key: string, options: { env?: string }) =>
      run(async () => {
        const found = await ctx.client.flag(environment(options), key);
        ctx.out(JSON.stringify({ source: found.source, ...found.flag }, null, 2));
        return 0;
      }),
    );

  flag
    .command('set')
    .description('set a flag\'s state or default variant (in force until `skiff flag reset`)')
    .argument('<flag>', 'the flag key')
    .option('--state <state>', 'ENABLED or DISABLED', (text: string) => text.toUpperCase())
    .option('--default-variant <variant>', 'the variant served when targeting picks none')
    .option(...envOption)
    .action((key: string, options: { env?: string; state?: string; defaultVariant?: string }) =>
      run(async () => {
        if (options.state !== undefined && options.state !== 'ENABLED' && options.state !== 'DISABLED') {
          throw new SkiffError('SKIFF_BAD_REQUEST', `--state must be ENABLED or DISABLED, got ${options.state}`);
        }
        const change = { kind: 'set' as const, state: options.state as 'ENABLED' | 'DISABLED' | undefined, defaultVariant: options.defaultVariant };
        printChange(ctx, await ctx.client.changeFlag({ environment: environment(options), key, change }));
        return 0;
      }),
    );

  flag
    .command('rollout')
    .description('give a variant to a share of targeting keys, e.g. skiff flag rollout new-checkout 10% --env production')
    .argument('<flag>', 'the flag key')
    .argument('<percent>', 'the share of targeting keys, e.g. 10%')
    .option('--variant <variant>', 'the variant to roll out (default: the one whose value is true, or the one besides the default)')
    .option(...envOption)
    .action((key: string, percentText: string, options: { env?: string; variant?: string }) =>
      run(async () => {
        const percent = parsePercent(percentText);
        if (!(percent >= 0 && percent <= 100)) throw new SkiffError('SKIFF_BAD_REQUEST', `"${percentText}" is not a percentage from 0% to 100%`, { hint: 'e.g. 10%' });
        printChange(ctx, await ctx.client.changeFlag({ environment: environment(options), key, change: { kind: 'rollout', percent, variant: options.variant } }));
        return 0;
      }),
    );

  flag
    .command('reset')
    .description('drop the run-time change of a flag: the spec\'s definition applies again')
    .argument('<flag>', 'the flag key')
    .option(...envOption)
    .action((key: string, options: { env?: string }) =>
      run(async () => {
        const result = await ctx.client.resetFlag(environment(options), key);
        if (result.revision === null) ctx.out(`${key} in ${environment(options)} already follows the spec`);
        else printChange(ctx, result);
        return 0;
      }),
    );

  flag
    .command('history')
    .description('the run-time changes of a flag, newest first')
    .argument('<flag>', 'the flag key')
    .option(...envOption)
    .action((key: string, options: { env?: string }) =>
      run(async () => {
        const revisions = await ctx.client.flagRevisions(environment(options), key);
        const rows = revisions.map((revision) => [String(revision.id), revision.time, revision.actor, revision.action, revision.summary]);
        for (const line of formatTable(['ID', 'TIME', 'BY', 'ACTION', 'WHAT'], rows)) ctx.out(line);
        return 0;
      }),
    );
}

function flagRow(flag: EffectiveFlag): string[] {
  return [flag.key, flag.flag.state, flag.flag.defaultVariant, describeTargeting(flag.flag.targeting), flag.source];
}

/** A fractional split as `on 10% / off 90%`; other targeting as its JSON, shortened. */
function describeTargeting(targeting: Record<string, unknown> | undefined): string {
  if (targeting === undefined || Object.keys(targeting).length === 0) return '-';
  const fractional = targeting.fractional;
  if (Array.isArray(fractional) && fractional.every((bucket) => Array.isArray(bucket))) {
    return (fractional as unknown[][]).map(([variant, share]) => `${String(variant)} ${String(share)}%`).join(' / ');
  }
  const text = JSON.stringify(targeting);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function printChange(ctx: CliContext, result: FlagChangeResult): void {
  const { flag, revision } = result;
  ctx.out(`${flag.key}: ${flag.flag.state}, default ${flag.flag.defaultVariant}, targeting ${describeTargeting(flag.flag.targeting)} (${flag.source}${revision ? `, flag revision ${revision.id}` : ''})`);
}
