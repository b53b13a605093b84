import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { withProgress } from '../progress.js';
import { artifactOf, followRelease, reportedUnchanged, strategyType } from './deploy.js';
import type { RolloutOptions } from './deploy.js';

/** `skiff promote SERVICE FROM_ENV TO_ENV`: deploys exactly the artifact FROM_ENV runs; never rebuilds. */
export function registerPromote(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('promote')
    .description('deploy to one environment exactly the artifact another one runs (no rebuild)')
    .argument('<service>', 'the service')
    .argument('<from>', 'the environment whose running artifact is promoted')
    .argument('<to>', 'the environment that receives it')
    .option('--strategy <type>', "roll it out with this strategy instead of the service's", strategyType)
    .option('--detach', 'return once the release is made, without following its rollout')
    .action((service: string, from: string, to: string, options: RolloutOptions) =>
      run(async () => {
        const release = await withProgress(ctx, `promoting ${service} from ${from} to ${to}`, () =>
          ctx.client.promote({ service, from, to, ...(options.strategy ? { strategy: options.strategy } : {}) }),
        );
        if (reportedUnchanged(ctx, release)) return 0;
        ctx.out(`promoted ${service} ${artifactOf(release)} from ${from} to ${to}: ${release.version}`);
        return followRelease(ctx, release, options);
      }),
    );
}
