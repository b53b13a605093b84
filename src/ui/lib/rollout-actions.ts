/** Which of promote/pause/resume/abort/undo make sense for a rollout now: the others are not offered. */
import type { RolloutAction, RolloutView } from '../../api/rollout-port.js';

type RolloutState = Pick<RolloutView, 'active' | 'strategy' | 'settings' | 'phase' | 'requests' | 'step' | 'steps'>;

export function offeredRolloutActions(view: RolloutState): readonly RolloutAction[] {
  if (!view.active || view.phase === 'aborted' || view.requests.abort) return [];
  const held = view.requests.paused || waitsForResume(view);
  const hasSteps = view.strategy === 'canary' || view.strategy === 'blue-green';
  const current = view.steps[view.step]?.kind;
  // After a blue-green switch the old release still runs for a while: going back is the undo.
  const switched = view.strategy === 'blue-green' && (current === 'keeping-old' || current === 'draining-old');
  const waitsForPromote = view.strategy === 'blue-green' && current === 'awaiting-promote';
  const offered: RolloutAction[] = [];
  if (hasSteps && !view.requests.promote && !switched) offered.push('promote');
  if (held) offered.push('resume');
  else if (!switched && !waitsForPromote) offered.push('pause');
  offered.push(switched ? 'undo' : 'abort');
  return offered;
}

/** A canary at a `pause: {}` step waits for a person (a timed pause ends by itself). */
export function waitsForResume(view: Pick<RolloutView, 'strategy' | 'settings' | 'step' | 'steps'>): boolean {
  if (view.strategy !== 'canary') return false;
  if (view.steps[view.step]?.state !== 'current') return false;
  const steps = view.settings['steps'];
  const step: unknown = Array.isArray(steps) ? steps[view.step] : undefined;
  return typeof step === 'object' && step !== null && (step as { kind?: unknown }).kind === 'pause' && (step as { durationMs?: unknown }).durationMs === null;
}
