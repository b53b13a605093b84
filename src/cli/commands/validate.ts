import type { Command } from 'commander';
import { formatErrorDetail } from '../../core/errors.js';
import type { CliContext, RunCommand } from '../context.js';
import { defaultSpecFile, readSpecFile } from '../spec-file.js';

/** `skiff validate [FILE]`: checks the spec locally, without a server. */
export function registerValidate(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('validate')
    .description('check a spec file without applying it (no server needed)')
    .argument('[file]', 'the spec file or its directory', defaultSpecFile)
    .action((file: string) => run(() => validate(ctx, file)));
}

async function validate(ctx: CliContext, given: string): Promise<number> {
  const { file, text } = await readSpecFile(ctx.cwd, given);
  // Loaded here, not at start: the parser pulls in zod and yaml, which every other command would pay for.
  const { parseSpec } = await import('../../spec/parse.js');
  const result = parseSpec(text, file);
  if (!result.ok) {
    for (const error of result.errors) ctx.err(formatErrorDetail(error));
    ctx.err(`${file} is invalid: ${result.errors.length} ${result.errors.length === 1 ? 'error' : 'errors'}`);
    return 1;
  }
  const services = Object.keys(result.spec.services);
  const environments = Object.keys(result.spec.environments);
  ctx.out(`${file} is valid: ${count(services, 'service')}, ${count(environments, 'environment')}`);
  return 0;
}

function count(names: readonly string[], noun: string): string {
  return `${names.length} ${noun}${names.length === 1 ? '' : 's'} (${names.join(', ')})`;
}
