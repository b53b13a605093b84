import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { outlineProgram } from '../reference/program-outline.js';

/** `skiff __outline`: every command and flag as JSON; what `npm run docs` writes docs/cli.md from. */
export function registerOutline(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('__outline', { hidden: true })
    .description('print every command and flag of skiff as JSON (for the generated references)')
    .action(() =>
      run(async () => {
        // Read when it runs, not when registered: by then every command of the program is defined.
        ctx.out(JSON.stringify(outlineProgram(program), null, 2));
        return 0;
      }),
    );
}
