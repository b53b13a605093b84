import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { dash, formatBytes, formatTable, formatTime, shortDigest } from '../output.js';

/** `skiff artifacts SERVICE [--json]`: the stored artifacts of a service, newest first. */
export function registerArtifacts(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('artifacts')
    .description('list the stored artifacts of a service, newest first')
    .argument('<service>', 'the service')
    .option('--json', 'print JSON for scripts')
    .action((service: string, options: { json?: boolean }) => run(() => artifacts(ctx, service, options.json ?? false)));
}

async function artifacts(ctx: CliContext, service: string, json: boolean): Promise<number> {
  const list = await ctx.client.artifacts(service);
  if (json) {
    ctx.out(JSON.stringify(list, null, 2));
    return 0;
  }
  if (list.length === 0) {
    ctx.out(`no artifacts of ${service} yet: run \`skiff build ${service}\``);
    return 0;
  }
  const rows = list.map((a) => [shortDigest(a.digest), formatBytes(a.size), formatTime(a.createdAt), dash(a.sourceCommit?.slice(0, 12))]);
  for (const line of formatTable(['DIGEST', 'SIZE', 'CREATED', 'COMMIT'], rows)) ctx.out(line);
  return 0;
}
