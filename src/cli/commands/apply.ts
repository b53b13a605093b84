import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { defaultSpecFile, readSpecFile } from '../spec-file.js';

/** `skiff apply [FILE] [--message M]`: saves the spec as a new revision on the server. */
export function registerApply(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('apply')
    .description('send a spec file to the server as a new revision; environments converge to it')
    .argument('[file]', 'the spec file or its directory', defaultSpecFile)
    .option('-m, --message <text>', 'why, saved with the revision')
    .action((file: string, options: { message?: string }) => run(() => apply(ctx, file, options.message)));
}

async function apply(ctx: CliContext, given: string, message: string | undefined): Promise<number> {
  const { file, text, baseDir } = await readSpecFile(ctx.cwd, given);
  const result = await ctx.client.apply({ text, file, baseDir }, message === undefined ? {} : { message });
  const { revision } = result;
  for (const built of result.built ?? []) ctx.out(`built ${built.service} ${built.digest} from its source for ${built.environment} (its provider runs built artifacts)`);
  if (result.changed) {
    ctx.out(`applied ${file} as revision ${revision.id} (${revision.hash.slice(0, 12)}) to ${result.environments.join(', ')}`);
  } else {
    ctx.out(`no changes: ${file} is the same as revision ${revision.id}`);
  }
  return 0;
}
