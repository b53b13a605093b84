/**
 * How the CLI shows a rollout (strategy, steps, weights, analyses with their figures) and follows
 * one until it is over or waits for a person.
 */
import { sleep } from '../core/clock.js';
import { isSkiffError } from '../core/errors.js';
import type { AnalysisView, RolloutView } from '../api/rollout-port.js';
import type { CliContext } from './context.js';
import { formatTime } from './output.js';

const stepMarks: Record<RolloutView['steps'][number]['state'], string> = {
  done: '✓',
  current: '▸',
  pending: ' ',
  failed: '✗',
  skipped: '-',
};

const percent = (value: number | null): string => (value === null ? '-' : `${+(value * 100).toFixed(2)}%`);
const ms = (value: number | null): string => (value === null ? '-' : `${+value.toFixed(1)}ms`);

export function weightsLine(weights: RolloutView['weights']): string {
  if (weights === null) return 'spread over every ready instance';
  return Object.entries(weights)
    .map(([release, weight]) => `${release} ${weight}%`)
    .join(', ');
}

/** One line: where the rollout stands. */
export function rolloutHeadline(view: RolloutView): string {
  const state = view.active ? view.phase : (view.result ?? view.phase);
  return `${view.service} in ${view.environment}: ${view.strategy} ${view.stable.release} → ${view.next.release}, ${state}: ${view.reason}`;
}

function figures(release: string, counts: AnalysisView['canary']): string {
  return `${release}: ${counts.requests} requests, ${counts.errors} errors (${percent(counts.errorRate)}), p50 ${ms(counts.p50)}, p95 ${ms(counts.p95)}, p99 ${ms(counts.p99)}`;
}

export function analysisLines(view: RolloutView, analysis: AnalysisView): string[] {
  const lines = [`step ${analysis.step + 1} analysis "${analysis.name}": ${analysis.outcome} — ${analysis.reason} (window ${formatTime(analysis.since)}–${formatTime(analysis.at)})`];
  lines.push(`  ${figures(view.next.release, analysis.canary)}`);
  if (analysis.stable) lines.push(`  ${figures(view.stable.release, analysis.stable)}`);
  for (const check of analysis.checks) lines.push(`  ${check.outcome === 'pass' ? '✓' : check.outcome === 'fail' ? '✗' : '?'} ${check.detail}`);
  return lines;
}

/** The whole status, as `skiff rollout status` prints it. */
export function rolloutLines(view: RolloutView): string[] {
  const lines = [rolloutHeadline(view)];
  lines.push(`  started ${formatTime(view.startedAt)} by ${view.author} (${view.trigger})${view.finishedAt ? `, finished ${formatTime(view.finishedAt)}` : ''}`);
  lines.push(`  traffic: ${weightsLine(view.weights)}`);
  for (const match of view.matches) lines.push(`  match: ${match.kind} ${match.name}=${match.value} → ${match.release}`);
  if (view.preview) lines.push(`  preview: ${view.preview.kind} ${view.preview.name}: ${view.preview.value} → ${view.preview.release}`);
  if (view.requests.paused) lines.push('  paused by a person: `skiff rollout resume` goes on');
  lines.push('  steps:');
  for (const step of view.steps) lines.push(`    ${stepMarks[step.state]} ${step.label}`);
  if (view.analyses.length > 0) {
    lines.push('  analyses:');
    for (const analysis of view.analyses) lines.push(...analysisLines(view, analysis).map((line) => `    ${line}`));
  }
  return lines;
}

/** A person must act: a `pause: {}` step, a blue-green rollout awaiting promote, or a person's pause. */
export function waitsForPerson(view: RolloutView): boolean {
  if (!view.active || view.phase !== 'paused') return false;
  if (view.requests.paused) return true;
  const current = view.steps[view.step];
  return current?.kind === 'awaiting-promote' || current?.label === 'pause until resumed';
}

export interface FollowOptions {
  readonly environment: string;
  readonly service: string;
  /** Follow the rollout of this release (`v3`); absent: whichever is under way. */
  readonly release?: string;
  /** Keep following while it waits for a person (`skiff rollout status --watch`). */
  readonly throughPauses?: boolean;
  readonly pollMs?: number;
  /** How long to look for the rollout of `release` before deciding there is none (first deploy, same content). */
  readonly findMs?: number;
}

/**
 * Prints each change (step, weights, phase, verdicts) to stderr until the rollout is over, waits
 * for a person, or Ctrl-C. Returns the last view, or null when no rollout of `release` appeared.
 */
export async function followRollout(ctx: CliContext, options: FollowOptions): Promise<RolloutView | null> {
  const signal = ctx.interrupted();
  const pollMs = options.pollMs ?? 500;
  const findDeadline = ctx.clock.now() + (options.findMs ?? 3000);
  let last: RolloutView | null = null;
  let seenAnalyses = 0;
  let lastLine = '';
  while (!signal.aborted) {
    let view: RolloutView | null = null;
    try {
      view = await ctx.client.rollout(options.environment, options.service);
    } catch (error) {
      // A server without rollouts (an older one) answers that the route does not exist.
      if (isSkiffError(error) && error.code === 'SKIFF_NOT_FOUND') return null;
      if (!isSkiffError(error) || error.code !== 'SKIFF_NO_ROLLOUT') throw error;
    }
    const mine = view && (options.release === undefined || view.next.release === options.release) ? view : null;
    if (!mine) {
      if (ctx.clock.now() >= findDeadline) return null;
    } else {
      if (last?.id !== mine.id) seenAnalyses = 0;
      const line = `${mine.active ? mine.phase : (mine.result ?? mine.phase)} step ${mine.step + 1}/${mine.steps.length} [${weightsLine(mine.weights)}]: ${mine.reason}`;
      if (line !== lastLine) ctx.err(`  ${line}`);
      lastLine = line;
      for (const analysis of mine.analyses.slice(seenAnalyses)) for (const text of analysisLines(mine, analysis)) ctx.err(`    ${text}`);
      seenAnalyses = mine.analyses.length;
      last = mine;
      if (!mine.active || (!options.throughPauses && waitsForPerson(mine))) return mine;
    }
    await sleep(pollMs, signal);
  }
  return last;
}

/** What a deploy, promote or rollback prints once it stopped following; the exit code. */
export function reportFollowed(ctx: CliContext, view: RolloutView | null, detachHint: string): number {
  if (view === null) return 0;
  if (view.active) {
    ctx.out(`rollout of ${view.service} ${view.next.release} in ${view.environment} waits: ${view.reason}`);
    ctx.out(`  ${detachHint}`);
    return 0;
  }
  if (view.result === 'completed') {
    ctx.out(`rollout of ${view.service} ${view.next.release} in ${view.environment} completed`);
    return 0;
  }
  ctx.out(`rollout of ${view.service} ${view.next.release} in ${view.environment} ${view.result ?? 'ended'}: ${view.reason}`);
  return view.result === 'aborted' ? 1 : 0;
}
