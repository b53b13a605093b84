import type { Command } from 'commander';
import { SkiffError } from '../../core/errors.js';
import type { CliContext, RunCommand } from '../context.js';

const maxInstances = 1000;

/** `skiff scale SERVICE=N [SERVICE=N...] [--env E]`: one new revision per service. */
export function registerScale(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('scale')
    .description('set the number of instances of services, e.g. skiff scale catalog=3 web=2')
    .argument('<service=count...>', 'services and their instance counts')
    .option('-e, --env <name>', 'environment (default: SKIFF_ENV or dev)')
    .action((targets: string[], options: { env?: string }) => run(() => scale(ctx, targets, options.env)));
}

/** Checks every argument before anything is sent, so a typo changes nothing. */
export function parseScaleTargets(args: readonly string[]): { service: string; instances: number }[] {
  const seen = new Set<string>();
  return args.map((arg) => {
    const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(arg);
    const instances = Number(match?.[2]);
    if (!match || instances > maxInstances) {
      throw new SkiffError('SKIFF_BAD_REQUEST', `"${arg}" is not SERVICE=COUNT`, {
        hint: `write each as service=count with a count from 0 to ${maxInstances}, e.g. skiff scale catalog=3`,
      });
    }
    const service = match[1] as string;
    if (seen.has(service)) throw new SkiffError('SKIFF_BAD_REQUEST', `"${service}" is given more than once`);
    seen.add(service);
    return { service, instances };
  });
}

async function scale(ctx: CliContext, args: readonly string[], env: string | undefined): Promise<number> {
  const environment = env ?? ctx.config.environment;
  for (const { service, instances } of parseScaleTargets(args)) {
    const revision = await ctx.client.scale({ environment, service, instances });
    ctx.out(`scaled ${service} to ${instances} in ${environment}: revision ${revision.id}`);
  }
  return 0;
}
