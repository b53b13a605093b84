import { type Command, InvalidArgumentError } from 'commander';
import { roles, type Role } from '../../core/access.js';
import type { CliContext, RunCommand } from '../context.js';
import { dash, formatTable, formatTime } from '../output.js';

function role(text: string): Role {
  if (!(roles as readonly string[]).includes(text)) throw new InvalidArgumentError(`must be one of ${roles.join(', ')}`);
  return text as Role;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `skiff token create|list|revoke`: API tokens (admin only). */
export function registerToken(program: Command, ctx: CliContext, run: RunCommand): void {
  const token = program.command('token').description('API tokens: who may read, deploy or administer (admin only)');

  token
    .command('create')
    .description('create a token and print it once (only a hash of it is kept)')
    .argument('<name>', 'who or what uses it; recorded as the author of every change made with it')
    .requiredOption('-r, --role <role>', `${roles.join(' | ')}`, role)
    .option('-e, --env <name>', 'a deployer only: an environment it may change (repeat for more; default every environment)', collect)
    .action((name: string, options: { role: Role; env?: string[] }) =>
      run(async () => {
        const created = await ctx.client.createToken({ name, role: options.role, ...(options.env ? { environments: options.env } : {}) });
        ctx.out(created.token);
        ctx.err(`created token ${created.name} (${scope(created)}); it is shown this once: keep it somewhere safe`);
        ctx.err(`  use it: SKIFF_TOKEN=<token> skiff status, or paste it in the dashboard's sign-in`);
        return 0;
      }),
    );

  token
    .command('list')
    .description('list the tokens that are not revoked (never the tokens themselves)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(async () => {
        const tokens = await ctx.client.tokens();
        if (options.json) {
          ctx.out(JSON.stringify(tokens, null, 2));
          return 0;
        }
        const rows = tokens.map((t) => [t.name, scope(t), t.createdBy, formatTime(t.createdAt), t.lastUsedAt ? formatTime(t.lastUsedAt) : dash(null)]);
        for (const line of formatTable(['NAME', 'ROLE', 'CREATED BY', 'CREATED (UTC)', 'LAST USED (UTC)'], rows)) ctx.out(line);
        return 0;
      }),
    );

  token
    .command('revoke')
    .description('revoke a token: it is refused from now on')
    .argument('<name>', 'the token name')
    .action((name: string) =>
      run(async () => {
        await ctx.client.revokeToken(name);
        ctx.out(`revoked token ${name}`);
        return 0;
      }),
    );
}

function scope(token: { readonly role: Role; readonly environments: readonly string[] | null }): string {
  return token.role === 'deployer' && token.environments !== null ? `deployer: ${token.environments.join(', ')}` : token.role;
}
