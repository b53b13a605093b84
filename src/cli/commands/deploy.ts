import type { Command } from 'commander';
import type { ReleaseSummary } from '../../api/control-plane.js';
import type { CliContext, RunCommand } from '../context.js';
import { shortDigest } from '../output.js';
import { withProgress } from '../progress.js';

/** `skiff deploy SERVICE VERSION ENV`: a new release of an artifact with the environment's config. */
export function registerDeploy(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('deploy')
    .description("release an artifact of a service in an environment, with that environment's config")
    .argument('<service>', 'the service')
    .argument('<version>', 'an artifact digest (sha256:…), a unique prefix of its hex, or latest')
    .argument('<env>', 'the environment')
    .action((service: string, version: string, environment: string) =>
      run(async () => {
        const release = await withProgress(ctx, `deploying ${service} ${version} to ${environment}`, () =>
          ctx.client.deploy({ service, version, environment, author: ctx.author }),
        );
        ctx.out(`deployed ${service} ${release.version} (${artifactOf(release)}) to ${environment}`);
        return 0;
      }),
    );
}

/** The short digest a release runs, or `source` when it runs from its source directory. */
export function artifactOf(release: ReleaseSummary): string {
  return release.artifact === null ? 'source' : shortDigest(release.artifact);
}
