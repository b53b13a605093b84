import type { Command } from 'commander';
import type { SecretChange, SecretInfo } from '../../api/control-plane.js';
import { maxSecretValueLength, secretNamePattern } from '../../api/secret-rules.js';
import { SkiffError } from '../../core/errors.js';
import type { CliContext, RunCommand } from '../context.js';
import { formatTable, formatTime } from '../output.js';
import { withProgress } from '../progress.js';
import { artifactOf } from './deploy.js';

const envOption = ['-e, --env <name>', 'environment (default: SKIFF_ENV or dev)'] as const;

/**
 * `skiff secret set|list|unset`: secrets of a service in an environment. Values go to the server
 * and are never printed: not in results, not in errors (which name the argument, never its text).
 */
export function registerSecret(program: Command, ctx: CliContext, run: RunCommand): void {
  const secret = program.command('secret').description('set, list and remove secrets of a service (values are never shown)');

  secret
    .command('set')
    .description('set secrets of a service; a running service gets a new release with them')
    .argument('<service>', 'the service')
    .argument('<assignments...>', 'NAME=VALUE pairs, or one NAME with --stdin')
    .option(...envOption)
    .option('--stdin', 'read the value of the one NAME from standard input (keeps it out of shell history)')
    .action((service: string, assignments: string[], options: { env?: string; stdin?: boolean }) =>
      run(async () => {
        const environment = options.env ?? ctx.config.environment;
        const values = options.stdin ? await fromStdin(ctx, assignments) : parseAssignments(assignments);
        const names = Object.keys(values).join(', ');
        const change = await withProgress(ctx, `setting ${names} of ${service} in ${environment}`, () =>
          ctx.client.setSecrets({ environment, service, values }),
        );
        ctx.out(`set ${names} of ${service} in ${environment}`);
        for (const warning of change.warnings ?? []) ctx.err(`warning: ${warning}`);
        ctx.out(releaseLine(service, environment, change));
        return 0;
      }),
    );

  secret
    .command('list')
    .description('list the secrets of a service: names, versions, who and when (never values)')
    .argument('<service>', 'the service')
    .option(...envOption)
    .option('--json', 'print JSON for scripts')
    .action((service: string, options: { env?: string; json?: boolean }) =>
      run(async () => {
        const environment = options.env ?? ctx.config.environment;
        const list = await ctx.client.secrets(environment, service);
        if (options.json) ctx.out(JSON.stringify(list, null, 2));
        else if (list.length === 0) ctx.out(`${service} has no secrets in ${environment}: set one with \`skiff secret set ${service} NAME --stdin --env ${environment}\``);
        else for (const line of formatSecrets(list)) ctx.out(line);
        return 0;
      }),
    );

  secret
    .command('unset')
    .description('remove a secret of a service; a running service gets a new release without it')
    .argument('<service>', 'the service')
    .argument('<name>', 'the secret')
    .option(...envOption)
    .action((service: string, name: string, options: { env?: string }) =>
      run(async () => {
        const environment = options.env ?? ctx.config.environment;
        const change = await withProgress(ctx, `removing ${name} of ${service} in ${environment}`, () =>
          ctx.client.unsetSecret({ environment, service, name }),
        );
        ctx.out(`removed ${name} of ${service} in ${environment}`);
        ctx.out(releaseLine(service, environment, change));
        return 0;
      }),
    );
}

export function formatSecrets(secrets: readonly SecretInfo[]): string[] {
  const rows = secrets.map((s) => [s.name, `v${s.version}`, s.author, formatTime(s.updatedAt)]);
  return formatTable(['NAME', 'VERSION', 'AUTHOR', 'UPDATED (UTC)'], rows);
}

function releaseLine(service: string, environment: string, change: SecretChange): string {
  const { release } = change;
  if (release === null) return `${service} does not run in ${environment}: its next release will use them`;
  return `new release ${service} ${release.version} (${artifactOf(release)}) in ${environment}`;
}

/** NAME=VALUE pairs; an error names the argument by position or name, never by its text. */
export function parseAssignments(assignments: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  assignments.forEach((assignment, index) => {
    const equals = assignment.indexOf('=');
    if (equals < 0) {
      throw new SkiffError('SKIFF_BAD_REQUEST', `${checkedName(assignment, index)} has no value`, {
        hint: `give NAME=VALUE, or read the value from standard input: skiff secret set SERVICE ${checkedName(assignment, index)} --stdin`,
      });
    }
    const name = checkedName(assignment.slice(0, equals), index);
    if (Object.hasOwn(values, name)) throw new SkiffError('SKIFF_BAD_REQUEST', `${name} is given twice`);
    values[name] = assignment.slice(equals + 1);
  });
  return values;
}

async function fromStdin(ctx: CliContext, assignments: readonly string[]): Promise<Record<string, string>> {
  const [first] = assignments;
  if (assignments.length !== 1 || first === undefined || first.includes('=')) {
    throw new SkiffError('SKIFF_BAD_REQUEST', 'with --stdin give exactly one NAME and no value', {
      hint: 'e.g. skiff secret set SERVICE API_KEY --stdin < key.txt',
    });
  }
  const name = checkedName(first, 0);
  // One trailing newline is what `echo` and editors add; it is not part of the value.
  const value = (await ctx.readStdin(maxSecretValueLength)).replace(/\r?\n$/, '');
  return { [name]: value };
}

function checkedName(name: string, index: number): string {
  if (secretNamePattern.test(name)) return name;
  throw new SkiffError('SKIFF_BAD_REQUEST', `argument ${index + 2} does not start with a secret name`, {
    hint: 'names are letters, digits and _, not starting with a digit: API_KEY=…',
  });
}
