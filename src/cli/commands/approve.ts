import type { Command } from 'commander';
import type { CliContext, RunCommand } from '../context.js';
import { runId } from './pipeline.js';

/** `skiff approve RUN_ID STAGE`: approves a stage that waits for a person; the run goes on. */
export function registerApprove(program: Command, ctx: CliContext, run: RunCommand): void {
  program
    .command('approve')
    .description('approve a pipeline stage that waits for an approval (recorded with who and when)')
    .argument('<run>', 'the run id', runId)
    .argument('<stage>', 'the approval stage')
    .action((id: number, stage: string) =>
      run(async () => {
        const approved = await ctx.client.approveStage({ id, stage });
        const record = approved.stages.find((s) => s.name === stage);
        ctx.out(`approved ${stage} of run ${id} as ${record?.approvedBy ?? 'you'}; the run goes on`);
        ctx.out(`  follow it: skiff pipeline status ${id}`);
        return 0;
      }),
    );
}
