import { InvalidArgumentError, type Command } from 'commander';
import type { PipelineRunView, PipelineStageView } from '../../api/pipeline-port.js';
import { sleep } from '../../core/clock.js';
import { formatDuration } from '../../core/units.js';
import type { CliContext, RunCommand } from '../context.js';
import { dash, formatTable, formatTime, shortDigest } from '../output.js';

const followPollMs = 300;

/** `skiff pipeline run SERVICE [--pipeline NAME]` and `skiff pipeline status [RUN_ID] [--json]`. */
export function registerPipeline(program: Command, ctx: CliContext, run: RunCommand): void {
  const pipeline = program.command('pipeline').description('run pipelines (build, deploy, checks, approvals, promotion) and see their runs');
  pipeline
    .command('run')
    .description('start a run of the pipeline covering a service and follow it until it ends or waits for an approval')
    .argument('<service>', 'the service')
    .option('-p, --pipeline <name>', 'the pipeline (default: the only one covering the service)')
    .action((service: string, options: { pipeline?: string }) =>
      run(async () => {
        const started = await ctx.client.startPipeline({ service, ...(options.pipeline ? { pipeline: options.pipeline } : {}) });
        ctx.out(`run ${started.id}: pipeline ${started.pipeline} for ${service}`);
        return follow(ctx, started);
      }),
    );
  pipeline
    .command('status')
    .description('list pipeline runs, or show one run: each stage with its state, duration and log')
    .argument('[run]', 'the run id', runId)
    .option('-s, --service <name>', 'only runs of this service')
    .option('--json', 'print JSON for scripts')
    .action((id: number | undefined, options: { service?: string; json?: boolean }) =>
      run(async () => {
        if (id !== undefined) {
          const one = await ctx.client.pipelineRun(id);
          if (options.json) ctx.out(JSON.stringify(one, null, 2));
          else for (const line of formatRun(one, ctx.clock.now())) ctx.out(line);
          return 0;
        }
        const runs = await ctx.client.pipelineRuns(options.service ? { service: options.service } : {});
        if (options.json) ctx.out(JSON.stringify(runs, null, 2));
        else if (runs.length === 0) ctx.out('no pipeline runs yet: start one with `skiff pipeline run SERVICE`');
        else for (const line of formatRuns(runs)) ctx.out(line);
        return 0;
      }),
    );
}

export function runId(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('must be a run id such as 12');
  return Number(value);
}

/** Prints each stage as its state changes; ends when the run ends (1 if it failed) or waits for a person (0). */
async function follow(ctx: CliContext, first: PipelineRunView): Promise<number> {
  const printed = new Map<string, string>();
  const interrupted = ctx.interrupted();
  let current = first;
  for (;;) {
    for (const stage of current.stages) {
      if (stage.state === 'pending' || printed.get(stage.name) === stage.state) continue;
      printed.set(stage.name, stage.state);
      for (const line of stageProgress(stage, ctx.clock.now())) ctx.out(line);
    }
    if (current.state === 'succeeded') {
      ctx.out(`run ${current.id} succeeded${current.artifact ? `: ${shortDigest(current.artifact)}` : ''}`);
      return 0;
    }
    if (current.state === 'failed') {
      ctx.err(`run ${current.id} failed: ${current.reason ?? 'a stage failed'}`);
      ctx.err(`  see: skiff pipeline status ${current.id}`);
      return 1;
    }
    const waiting = current.stages.find((stage) => stage.state === 'waiting');
    if (current.state === 'waiting' && waiting) {
      ctx.out(`run ${current.id} waits for approval of ${waiting.name}: skiff approve ${current.id} ${waiting.name}`);
      return 0;
    }
    if (interrupted.aborted) {
      ctx.out(`run ${current.id} goes on; follow it with: skiff pipeline status ${current.id}`);
      return 0;
    }
    await sleep(followPollMs, interrupted);
    current = await ctx.client.pipelineRun(current.id);
  }
}

function stageProgress(stage: PipelineStageView, now: number): string[] {
  const head = `  ${stage.name.padEnd(18)} ${stage.state.padEnd(9)} ${durationOf(stage, now)}`.trimEnd();
  if (stage.state === 'running' || stage.state === 'waiting') return [head];
  // A finished stage shows its last log lines: the deploy message, a check's verdict or failure.
  const tail = stage.state === 'failed' ? stage.log.slice(-15) : stage.log.slice(-2);
  return [head, ...tail.map((line) => `      | ${line}`)];
}

export function formatRuns(runs: readonly PipelineRunView[]): string[] {
  const rows = runs.map((r) => {
    const at = r.stages.find((s) => s.state === 'running' || s.state === 'waiting' || s.state === 'failed');
    const commit = r.commit ? `${shortSha(r.commit.sha)} ${clip(r.commit.subject, 40)}` : '-';
    return [String(r.id), r.pipeline, r.service, r.state, at ? `${at.name} (${at.state})` : '-', r.artifact ? shortDigest(r.artifact) : '-', formatTime(r.createdAt), r.author, commit];
  });
  return formatTable(['RUN', 'PIPELINE', 'SERVICE', 'STATE', 'STAGE', 'ARTIFACT', 'STARTED', 'BY', 'COMMIT'], rows);
}

function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function formatRun(run: PipelineRunView, now: number): string[] {
  const lines = [
    `run ${run.id}: pipeline ${run.pipeline} for ${run.service}, ${run.state}`,
    `  started ${formatTime(run.createdAt)} by ${run.author}${run.finishedAt ? `, finished ${formatTime(run.finishedAt)}` : ''}`,
    `  artifact ${dash(run.artifact)}`,
  ];
  if (run.commit) lines.push(`  commit ${shortSha(run.commit.sha)} "${run.commit.subject}" by ${run.commit.author} <${run.commit.email}>`);
  if (run.reason) lines.push(`  reason: ${run.reason}`);
  lines.push('');
  const rows = run.stages.map((s) => [s.name, s.kind, s.state, durationOf(s, now) || '-', s.approvedBy ? `approved by ${s.approvedBy} at ${formatTime(s.approvedAt ?? '')}` : '']);
  const table = formatTable(['STAGE', 'KIND', 'STATE', 'DURATION', 'NOTE'], rows);
  lines.push(table[0] as string);
  run.stages.forEach((stage, index) => {
    lines.push(table[index + 1] as string);
    for (const line of stage.log) lines.push(`    | ${line}`);
  });
  const waiting = run.stages.find((stage) => stage.state === 'waiting');
  if (waiting) lines.push('', `approve with: skiff approve ${run.id} ${waiting.name}`);
  return lines;
}

function durationOf(stage: PipelineStageView, now: number): string {
  if (!stage.startedAt) return '';
  const end = stage.finishedAt ? Date.parse(stage.finishedAt) : now;
  return formatDuration(Math.max(0, end - Date.parse(stage.startedAt)));
}
