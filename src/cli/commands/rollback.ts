import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { withProgress } from '../progress.js';
import { artifactOf, followRelease, reportedUnchanged, strategyType } from './deploy.js';
import type { RolloutOptions } from './deploy.js';

/** `skiff rollback SERVICE ENV [--to vN]`: a new release reusing an older one's artifact and config. */
export function registerRollback(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('rollback')
    .description("go back to an older release's artifact and config (as a new release)")
    .argument('<service>', 'the service')
    .argument('<env>', 'the environment')
    .option('--to <version>', 'the release to go back to, e.g. v2 (default: the one before the current)', releaseVersion)
    .option('--strategy <type>', 'roll it out with this strategy (default: rolling for canary and blue-green services)', strategyType)
    .option('--detach', 'return once the release is made, without following its rollout')
    .action((service: string, environment: string, options: { to?: string } & RolloutOptions) =>
      run(async () => {
        const target = options.to ?? 'the previous release';
        const release = await withProgress(ctx, `rolling back ${service} in ${environment} to ${target}`, () =>
          ctx.client.rollback({ service, environment, ...(options.to ? { to: options.to } : {}), ...(options.strategy ? { strategy: options.strategy } : {}) }),
        );
        if (reportedUnchanged(ctx, release)) return 0;
        ctx.out(`rolled back ${service} in ${environment} to ${target}: now ${release.version} (${artifactOf(release)})`);
        return followRelease(ctx, release, options);
      }),
    );
}

function releaseVersion(value: string): string {
  const text = value.trim();
  if (/^v[1-9]\d*$/.test(text)) return text;
  if (/^[1-9]\d*$/.test(text)) return `v${text}`;
  throw new InvalidArgumentError('must be a release version such as v2');
}
