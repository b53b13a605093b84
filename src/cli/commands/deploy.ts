import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ReleaseSummary } from '../../api/control-plane.js';
import type { StrategyType } from '../../api/rollout-port.js';
import { strategyTypes } from '../../spec/strategy-types.js';
import type { CliContext, RunCommand } from '../context.js';
import { shortDigest } from '../output.js';
import { withProgress } from '../progress.js';
import { followRollout, reportFollowed } from '../rollout-display.js';

/** `skiff deploy SERVICE VERSION ENV`: a new release of an artifact with the environment's config. */
export function registerDeploy(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('deploy')
    .description("release an artifact of a service in an environment, with that environment's config")
    .argument('<service>', 'the service')
    .argument('<version>', 'an artifact digest (sha256:…), a unique prefix of its hex, or latest')
    .argument('<env>', 'the environment')
    .option('--strategy <type>', `roll this release out with ${strategyTypes.join(', ')} instead of the service's strategy`, strategyType)
    .option('--detach', 'return once the release is made, without following its rollout')
    .action((service: string, version: string, environment: string, options: RolloutOptions) =>
      run(async () => {
        const release = await withProgress(ctx, `deploying ${service} ${version} to ${environment}`, () =>
          ctx.client.deploy({ service, version, environment, ...(options.strategy ? { strategy: options.strategy } : {}) }),
        );
        if (reportedUnchanged(ctx, release)) return 0;
        ctx.out(`deployed ${service} ${release.version} (${artifactOf(release)}) to ${environment}`);
        return followRelease(ctx, release, options);
      }),
    );
}

export interface RolloutOptions {
  readonly strategy?: StrategyType;
  readonly detach?: boolean;
}

export function strategyType(value: string): StrategyType {
  const type = strategyTypes.find((candidate) => candidate === value.trim());
  if (!type) throw new InvalidArgumentError(`must be one of ${strategyTypes.join(', ')}`);
  return type;
}

/** Follows the rollout of a new release until it is over or waits for a person, unless `--detach`. */
export async function followRelease(ctx: CliContext, release: ReleaseSummary, options: RolloutOptions): Promise<number> {
  if (options.detach) return 0;
  const { service, environment, version } = release;
  const view = await followRollout(ctx, { environment, service, release: version });
  return reportFollowed(ctx, view, `steer it: skiff rollout status|promote|resume|abort ${service} ${environment}`);
}

/** Says so when the environment already ran what was asked for (no release was made). */
export function reportedUnchanged(ctx: CliContext, release: ReleaseSummary): boolean {
  if (!release.unchanged) return false;
  ctx.out(`${release.service} in ${release.environment} already runs ${artifactOf(release)} with this config as ${release.version}: nothing to release`);
  return true;
}

/** The short digest a release runs, or `source` when it runs from its source directory. */
export function artifactOf(release: ReleaseSummary): string {
  return release.artifact === null ? 'source' : shortDigest(release.artifact);
}
