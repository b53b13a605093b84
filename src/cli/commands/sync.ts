import type { Command } from 'commander';
import type { DiffView, DriftChangeView, SyncStatusView } from '../../api/sources-port.js';
import { formatErrorDetail } from '../../core/errors.js';
import type { CliContext, RunCommand } from '../context.js';
import { formatTable, formatTime } from '../output.js';

/** `skiff sync status ENV`, `skiff sync now ENV [--force]`, `skiff diff ENV`: GitOps. */
export function registerSync(program: Command, ctx: CliContext, run: RunCommand): void {
  const sync = program.command('sync').description('environments that follow a git repository (`source:` in skiff.yaml)');
  sync
    .command('status')
    .description('the sync state: the commit applied, the newest commit, a refusal with its file:line:column, drift')
    .argument('<env>', 'the environment')
    .option('--json', 'print JSON for scripts')
    .action((environment: string, options: { json?: boolean }) =>
      run(async () => {
        const status = await ctx.client.syncStatus(environment);
        printOut(ctx, options.json ? [JSON.stringify(status, null, 2)] : formatSyncStatus(status));
        return status.state === 'Synced' ? 0 : 1;
      }),
    );
  sync
    .command('now')
    .description('fetch the repository and sync the environment now')
    .argument('<env>', 'the environment')
    .option('--force', 'take the newest commit even when the branch was rewritten (force-pushed)')
    .action((environment: string, options: { force?: boolean }) =>
      run(async () => {
        const status = await ctx.client.sync(environment, options.force ? { force: true } : {});
        printOut(ctx, formatSyncStatus(status));
        return status.error ? 1 : 0;
      }),
    );
  program
    .command('diff')
    .description('what differs between the commit an environment follows and what it has applied (a scale by hand, a deploy)')
    .argument('<env>', 'the environment')
    .option('--json', 'print JSON for scripts')
    .action((environment: string, options: { json?: boolean }) =>
      run(async () => {
        const diff = await ctx.client.diff(environment);
        printOut(ctx, options.json ? [JSON.stringify(diff, null, 2)] : formatDiff(diff));
        return diff.changes.length === 0 ? 0 : 1;
      }),
    );
}

function printOut(ctx: CliContext, lines: readonly string[]): void {
  for (const line of lines) ctx.out(line);
}

const short = (sha: string): string => sha.slice(0, 12);

export function formatSyncStatus(status: SyncStatusView): string[] {
  const lines = [
    `${status.environment} follows ${status.repository} ${status.branch}:${status.path} every ${status.intervalMs / 1000}s (drift: ${status.drift}${status.prune ? ', prune' : ''})`,
    `state    ${status.state}`,
  ];
  if (status.synced) lines.push(`synced   ${short(status.synced.commit)} as revision ${status.synced.revision} (${formatTime(status.synced.at)})`);
  if (status.head) lines.push(`newest   ${short(status.head.sha)} ${status.head.author}: ${status.head.subject}`);
  if (status.error) {
    lines.push(`refused  ${status.error.commit ? `${short(status.error.commit)}: ` : ''}${status.error.message} [${status.error.code}]`);
    for (const detail of status.error.details) lines.push(`  ${formatErrorDetail(detail)}`);
    if (status.error.hint) lines.push(`  hint: ${status.error.hint}`);
  }
  if (status.changes.length > 0) lines.push('', ...driftLines(status.changes));
  return lines;
}

export function formatDiff(diff: DiffView): string[] {
  const commit = diff.status.synced ? short(diff.status.synced.commit) : 'no commit synced yet';
  if (diff.changes.length === 0) return [`${diff.status.environment} is as commit ${commit} gives it`];
  return [`${diff.status.environment} differs from commit ${commit}:`, ...driftLines(diff.changes)];
}

function driftLines(changes: readonly DriftChangeView[]): string[] {
  const show = (value: unknown): string => (value === null || value === undefined ? '-' : typeof value === 'string' ? value : JSON.stringify(value));
  return formatTable(
    ['SERVICE', 'FIELD', 'APPLIED', 'COMMIT'],
    changes.map((change) => [change.service, change.field, show(change.applied), show(change.commit)]),
  );
}
