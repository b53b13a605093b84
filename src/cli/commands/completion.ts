import { Argument, type Command } from 'commander';
import { completeWords } from '../completion/complete.js';
import { completionScript, completionShells, type CompletionShell } from '../completion/scripts.js';
import { readSpecNames } from '../completion/spec-names.js';
import type { CliContext, RunCommand } from '../context.js';
import { outlineProgram } from '../reference/program-outline.js';

/** `skiff completion SHELL` prints a completion script; the hidden `skiff __complete` answers it. */
export function registerCompletion(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('completion')
    .description('print a shell completion script: commands, flags, and the services and environments of ./skiff.yaml')
    .addArgument(new Argument('<shell>', 'the shell').choices(completionShells))
    .action((shell: CompletionShell) =>
      run(async () => {
        ctx.out(completionScript(shell).trimEnd());
        return 0;
      }),
    );
  program
    .command('__complete', { hidden: true })
    .description('print the completions of a command line (called by the completion scripts)')
    .argument('[words...]', 'the words after skiff, the one being completed last')
    .helpOption(false)
    .action((words: string[] = []) =>
      run(async () => {
        const candidates = completeWords(outlineProgram(program), words.length > 0 ? words : [''], await readSpecNames(ctx.cwd));
        for (const candidate of candidates) ctx.out(candidate);
        return 0;
      }),
    );
}
