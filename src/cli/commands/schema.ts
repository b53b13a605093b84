import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';

/** `skiff schema`: the JSON Schema of skiff.yaml, for editors (`skiff schema > skiff.schema.json`). */
export function registerSchema(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('schema')
    .description('print the JSON Schema of skiff.yaml, for editors (e.g. `skiff schema > skiff.schema.json`)')
    .action(() =>
      run(async () => {
        // Loaded here, not at start: the schema pulls in zod, which every other command would pay for.
        const { specJsonSchemaText } = await import('../../spec/json-schema.js');
        ctx.out(specJsonSchemaText().trimEnd());
        return 0;
      }),
    );
}
