import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { RestoreResult } from '../../api/control-plane.js';
import { parseRestoreTarget } from '../../api/restore-target.js';
import type { CliContext, RunCommand } from '../context.js';
import { dash, formatTime } from '../output.js';
import { withProgress } from '../progress.js';
import { artifactOf } from './deploy.js';

/** `skiff restore ENV --to REVISION|TIME`: the releases and config the environment had then, as a new revision. */
export function registerRestore(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('restore')
    .description('bring an environment back to the releases and config it had at a revision or time (a new revision)')
    .argument('<env>', 'the environment')
    .requiredOption('--to <revision|time>', 'a revision id (see `skiff history --env ENV`) or an ISO 8601 time such as 2026-11-26T10:00:00Z', restoreTarget)
    .action((environment: string, options: { to: string }) =>
      run(async () => {
        const result = await withProgress(ctx, `restoring ${environment} to ${describeTarget(options.to)}`, () =>
          ctx.client.restore({ environment, to: options.to }),
        );
        for (const line of formatRestore(environment, result)) ctx.out(line);
        return 0;
      }),
    );
}

function restoreTarget(value: string): string {
  const parsed = parseRestoreTarget(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.message);
  return parsed.canonical;
}

const describeTarget = (to: string): string => (/^\d+$/.test(to) ? `revision ${to}` : `the last revision at or before ${to}`);

export function formatRestore(environment: string, result: RestoreResult): string[] {
  const { restored, revision, releases } = result;
  const lines = [
    `restored ${environment} to revision ${restored.id} (${formatTime(restored.createdAt)}, ${restored.author}: ${dash(restored.message)}) as revision ${revision.id}`,
  ];
  if (releases.length === 0) lines.push('every service already ran the release it had then');
  for (const release of releases) lines.push(`  ${release.service} ${release.version} (${artifactOf(release)})`);
  return lines;
}
