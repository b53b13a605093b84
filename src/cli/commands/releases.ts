import type { Command } from 'commander';
import type { ReleaseSummary } from '../../api/control-plane.js';
import type { CliContext, RunCommand } from '../context.js';
import { formatTable, formatTime } from '../output.js';
import { artifactOf } from './deploy.js';

/** `skiff releases SERVICE ENV [--json]`: the release history, newest first, `*` on the running one. */
export function registerReleases(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('releases')
    .description('list the releases of a service in an environment, newest first (* = running now)')
    .argument('<service>', 'the service')
    .argument('<env>', 'the environment')
    .option('--json', 'print JSON for scripts')
    .action((service: string, environment: string, options: { json?: boolean }) =>
      run(async () => {
        const list = await ctx.client.releases(environment, service);
        if (options.json) ctx.out(JSON.stringify(list, null, 2));
        else if (list.length === 0) ctx.out(`${service} has no releases in ${environment} yet: run \`skiff deploy ${service} latest ${environment}\``);
        else for (const line of formatReleases(list)) ctx.out(line);
        return 0;
      }),
    );
}

export function formatReleases(releases: readonly ReleaseSummary[]): string[] {
  // git-branch style: the marker column keeps the versions aligned under their header.
  const rows = releases.map((r) => [
    `${r.current ? '*' : ' '} ${r.version}`,
    artifactOf(r),
    r.configHash.slice(0, 12),
    r.author,
    formatTime(r.createdAt),
    r.commit ? `${r.reason} ${r.commit.slice(0, 12)}` : r.reason,
  ]);
  return formatTable(['  VERSION', 'ARTIFACT', 'CONFIG', 'AUTHOR', 'CREATED', 'REASON'], rows);
}
