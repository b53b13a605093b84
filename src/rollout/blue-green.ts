/**
 * blue-green: the new release starts in full beside the old one and is reachable through a
 * preview route; on promote all traffic switches at once; the old release keeps running for
 * `keepOld`, so an undo (abort) switches straight back, and is drained after that.
 */
import { assertNever } from '../core/assert-never.js';
import { instancesOf, live, pickDrains, readyCount, stuckReason } from './instances.js';
import { rollBack } from './rollback.js';
import type { MatchRoute, RolloutCursor, RolloutInput, RolloutPlan, StartInstances, Strategy, StrategyOf } from './strategy.js';
import { allTo } from './traffic.js';

type Input = RolloutInput<StrategyOf<'blue-green'>>;

/** The cursor's steps. */
export const blueGreenSteps = ['deploying', 'awaiting-promote', 'keeping-old', 'draining-old', 'completed'] as const;
export type BlueGreenStep = (typeof blueGreenSteps)[number];

function stepName(cursor: RolloutCursor): BlueGreenStep {
  return blueGreenSteps[Math.min(cursor.step, blueGreenSteps.length - 1)] as BlueGreenStep;
}

function canMove(input: Input, step: BlueGreenStep): boolean {
  const { desired, stable, next, requests, strategy, now, cursor } = input;
  switch (step) {
    case 'deploying':
      return readyCount(live(next.instances)) >= desired;
    case 'awaiting-promote':
      return requests.promote || strategy.autoPromote || stable === undefined;
    case 'keeping-old':
      // A promote after the switch: the old release is not wanted for an undo any more.
      return stable === undefined || now >= cursor.stepStartedAt + strategy.keepOld || (input.requests.promotedAt ?? -Infinity) > cursor.stepStartedAt;
    case 'draining-old':
      return instancesOf(stable).length === 0;
    case 'completed':
      return false;
    default:
      return assertNever(step, 'blue-green step');
  }
}

function advance(input: Input): RolloutCursor {
  let cursor = input.cursor;
  if (cursor.aborted || stepName(cursor) === 'completed') return cursor;
  if (input.requests.abort) return { ...cursor, aborted: { reason: 'aborted by a person', at: input.now } };
  if (input.requests.paused) return cursor;
  while (canMove({ ...input, cursor }, stepName(cursor))) cursor = { step: cursor.step + 1, stepStartedAt: input.now };
  return cursor;
}

function plan(input: Input): RolloutPlan {
  const { strategy, desired, stable, next, requests } = input;
  const cursor = advance(input);
  if (cursor.aborted) {
    const back = rollBack(desired, stable, next);
    return { start: back.start, drain: back.drain, traffic: back.traffic, matches: [], cursor, phase: 'aborted', reason: `${cursor.aborted.reason}; ${back.detail}` };
  }
  const held = requests.paused;
  const nextLive = live(next.instances);
  const nextReady = readyCount(nextLive);
  const stableLive = live(instancesOf(stable));
  const start: StartInstances[] = [];
  if (nextLive.length < desired) start.push({ release: next.release, count: desired - nextLive.length });
  const excess = pickDrains(nextLive, nextLive.length - desired, Number.POSITIVE_INFINITY).ids;
  const step = stepName(cursor);
  const preview: MatchRoute | undefined =
    nextReady > 0 ? { match: { kind: 'header', name: strategy.previewHeader, value: '1' }, release: next.release } : undefined;
  const beforeSwitch = (reason: string, phase: 'progressing' | 'paused'): RolloutPlan => {
    if (stable && stableLive.length < desired) start.push({ release: stable.release, count: desired - stableLive.length });
    return {
      start: held ? [] : start,
      drain: held ? [] : excess,
      traffic: allTo(stable?.release ?? next.release),
      matches: [],
      ...(preview ? { preview } : {}),
      cursor,
      phase: held ? 'paused' : phase,
      reason: held ? `paused by a person; ${reason}` : reason,
    };
  };
  const afterSwitch = { start: held ? [] : start, traffic: allTo(next.release), matches: [], cursor } as const;
  const previewHint = `preview with header ${strategy.previewHeader}: 1`;
  switch (step) {
    case 'deploying': {
      const starting = `starting ${next.release} beside ${stable?.release ?? 'nothing'}: ${nextReady} of ${desired} ready`;
      const stuck = stuckReason(next, stable);
      return stuck ? beforeSwitch(`${starting}; ${stuck}`, 'paused') : beforeSwitch(`${starting}; ${previewHint}`, 'progressing');
    }
    case 'awaiting-promote':
      return beforeSwitch(`${next.release} is ready; ${previewHint}; promote to switch all traffic`, 'paused');
    case 'keeping-old':
      return {
        ...afterSwitch,
        drain: held ? [] : excess,
        phase: held ? 'paused' : 'promoted',
        reason: `all traffic on ${next.release}; ${stable?.release ?? 'the old release'} kept for an undo (promote again to stop it now)`,
        wakeAt: cursor.stepStartedAt + strategy.keepOld,
      };
    case 'draining-old':
      return {
        ...afterSwitch,
        drain: held ? [] : [...excess, ...stableLive.map((instance) => instance.id)],
        phase: held ? 'paused' : 'promoted',
        reason: `all traffic on ${next.release}; stopping ${instancesOf(stable).length} instance(s) of ${stable?.release ?? 'the old release'}`,
      };
    case 'completed':
      return { ...afterSwitch, start: [], drain: [], phase: 'completed', reason: `${next.release} has all traffic` };
    default:
      return assertNever(step, 'blue-green step');
  }
}

export const blueGreen: Strategy<StrategyOf<'blue-green'>> = { plan };
