import type { Command } from 'commander';
import type { PreviewView } from '../../api/preview-port.js';
import type { CliContext, RunCommand } from '../context.js';
import { formatTable } from '../output.js';

/** `skiff preview create|list|delete`: short-lived copies of an environment. */
export function registerPreview(program: Command, ctx: CliContext, run: RunCommand): void {
  const preview = program.command('preview').description('preview environments: short-lived copies of an environment, on their own router');

  preview
    .command('create')
    .description("copy an environment's topology and the releases it runs now (or a git branch's build) into a new environment")
    .argument('<name>', 'the preview environment\'s name (lowercase letters, digits, dashes)')
    .requiredOption('--from <env>', 'the environment to copy')
    .option('--instances <n>', 'instances of every service', (text: string) => Number(text), 1)
    .option('--ttl <duration>', 'delete it this long after its last deploy, e.g. 2h')
    .option('--branch <branch>', "deploy the build of this git branch's head (a push to it redeploys the preview)")
    .action((name: string, options: { from: string; instances: number; ttl?: string; branch?: string }) =>
      run(async () => {
        const created = await ctx.client.createPreview({ name, from: options.from, instances: options.instances, ttl: options.ttl, branch: options.branch });
        ctx.out(`preview ${created.name} of ${created.from}${describeBranch(created, ' at ')}: ${describeServices(created)}`);
        ctx.out(`  router  ${created.routerUrl}${created.expiresAt ? `\n  expires ${created.expiresAt} unless deployed to before` : ''}`);
        return 0;
      }),
    );

  preview
    .command('list')
    .description('the preview environments: where each came from, its branch, its router, when it expires')
    .action(() =>
      run(async () => {
        const previews = await ctx.client.previews();
        const rows = previews.map((p) => [p.name, p.from, describeBranch(p, '') || '-', p.routerUrl, describeServices(p), p.expiresAt ?? '-']);
        for (const line of formatTable(['NAME', 'FROM', 'BRANCH', 'ROUTER', 'SERVICES', 'EXPIRES'], rows)) ctx.out(line);
        return 0;
      }),
    );

  preview
    .command('delete')
    .description('delete a preview environment: its instances stop')
    .argument('<name>', 'the preview')
    .action((name: string) =>
      run(async () => {
        await ctx.client.deletePreview(name);
        ctx.out(`preview ${name} deleted`);
        return 0;
      }),
    );
}

function describeServices(preview: PreviewView): string {
  return Object.entries(preview.services).map(([service, release]) => `${service} ${release}`).join(', ') || 'no services';
}

/** `feature/login@1a2b3c4` (with `(auto)` for one made by the source's `previews:`), or '' without a branch. */
function describeBranch(preview: PreviewView, before: string): string {
  if (preview.branch === null) return '';
  return `${before}${preview.branch}${preview.commit ? `@${preview.commit.slice(0, 7)}` : ''}${preview.automatic ? ' (auto)' : ''}`;
}
