import type { Command } from 'commander';
import type { PlanChange } from '../../api/control-plane.js';
import { formatErrorDetail } from '../../core/errors.js';
import type { CliContext, RunCommand } from '../context.js';
import { defaultSpecFile, readSpecFile } from '../spec-file.js';

/** `skiff plan [FILE]`: what `skiff apply` would change, per environment and service; changes nothing. */
export function registerPlan(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('plan')
    .description('show what applying a spec file would change, per environment and service, without applying it')
    .argument('[file]', 'the spec file or its directory', defaultSpecFile)
    .action((file: string) => run(() => plan(ctx, file)));
}

async function plan(ctx: CliContext, given: string): Promise<number> {
  const { file, text, baseDir } = await readSpecFile(ctx.cwd, given);
  const result = await ctx.client.plan({ text, file, baseDir });
  if (!result.valid) {
    for (const error of result.errors) ctx.err(formatErrorDetail(error));
    ctx.err(`${file} is invalid: ${result.errors.length} ${result.errors.length === 1 ? 'error' : 'errors'}`);
    return 1;
  }
  if (result.changes.length === 0) {
    ctx.out(`no changes: ${file} matches what is applied`);
    return 0;
  }
  for (const line of formatPlan(result.changes)) ctx.out(line);
  return 0;
}

const marks = { add: '+', remove: '-', update: '~' } as const satisfies Record<PlanChange['change'], string>;

/** Grouped by environment: `+ add`, `- remove`, `~ update`, each field `from → to`, then a count. */
export function formatPlan(changes: readonly PlanChange[]): string[] {
  const byEnvironment = new Map<string, PlanChange[]>();
  for (const change of changes) byEnvironment.set(change.environment, [...(byEnvironment.get(change.environment) ?? []), change]);
  const lines: string[] = [];
  for (const [environment, list] of byEnvironment) {
    lines.push(`${environment}:`);
    for (const change of list) {
      lines.push(`  ${marks[change.change]} ${change.service}${change.newRelease ? ' (new release)' : ''}`);
      lines.push(...fieldLines(change).map((line) => `      ${line}`));
    }
  }
  const count = (kind: PlanChange['change']): number => changes.filter((change) => change.change === kind).length;
  const summary = [`${count('add')} to add`, `${count('update')} to update`, `${count('remove')} to remove`];
  lines.push(`plan: ${summary.join(', ')} (\`skiff apply\` makes these changes)`);
  return lines;
}

function fieldLines(change: PlanChange): string[] {
  switch (change.change) {
    // A removed service is gone as a whole; its old fields would only be noise.
    case 'remove':
      return [];
    case 'add':
      return change.fields.filter((f) => !isAbsent(f.to)).map((f) => `${f.field}: ${formatValue(f.to)}`);
    case 'update':
      return change.fields.map((f) => `${f.field}: ${formatValue(f.from)} → ${formatValue(f.to)}`);
  }
}

const isAbsent = (value: unknown): boolean => value === null || value === undefined;

/** Strings quoted so empty values and spaces show; structures as one line of JSON. */
export function formatValue(value: unknown): string {
  if (isAbsent(value)) return '(none)';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
