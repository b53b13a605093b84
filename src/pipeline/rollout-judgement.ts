/**
 * What the rollout a deploy or promote stage started means for the stage: done once the new
 * release carries the traffic, failed at once when the rollout goes back, still going otherwise
 * (perhaps waiting for a person). Pure: the follower polls, logs and sleeps.
 */
import { assertNever } from '../core/assert-never.js';
import type { RolloutProgress } from './ports.js';

export interface RolloutTarget {
  readonly environment: string;
  readonly service: string;
  /** The release the stage made (`v4`). */
  readonly release: string;
  /** The id of the service's last rollout there before the stage deployed, if it had one. */
  readonly before: number | null;
}

export type RolloutJudgement =
  /** The stage's release started no rollout (a first deploy, content already running): its instances tell. */
  | { readonly kind: 'none' }
  | { readonly kind: 'done'; readonly message: string }
  | { readonly kind: 'failed'; readonly message: string }
  /** Still under way; `person` says what someone must do before it goes on, when that is so. */
  | { readonly kind: 'going'; readonly message: string; readonly person: string | null };

export function judgeRollout(target: RolloutTarget, rollout: RolloutProgress | null): RolloutJudgement {
  // The rollout from before the deploy is the stage's only when it took the release over (same content as its new one).
  if (!rollout || (rollout.id === target.before && rollout.release !== target.release)) return { kind: 'none' };
  const { environment, service, release } = target;
  if (rollout.release !== release) {
    return { kind: 'failed', message: `a rollout of ${service} ${rollout.release} replaced the one of ${release} in ${environment}` };
  }
  const what = `${rollout.strategy} rollout of ${service} ${release} in ${environment}`;
  if (!rollout.active) {
    const result = rollout.result ?? 'completed';
    switch (result) {
      case 'completed':
        return { kind: 'done', message: `${what} completed` };
      case 'aborted':
        return { kind: 'failed', message: `${what} aborted: ${rollout.reason}` };
      case 'superseded':
        return { kind: 'failed', message: `${what} was superseded by a newer release` };
      case 'cancelled':
        return { kind: 'failed', message: `${what} was cancelled: ${rollout.reason}` };
      default:
        return assertNever(result, 'rollout result');
    }
  }
  switch (rollout.phase) {
    case 'aborted':
      // At once: the rollback still has to finish, but the release will not be the one running.
      return { kind: 'failed', message: `${what} aborted: ${rollout.reason}` };
    case 'completed':
    case 'promoted':
      // Promoted: all traffic is on the new release; the old one is only kept (blue-green) or stopping.
      return { kind: 'done', message: `${what}: ${rollout.reason}` };
    case 'progressing':
    case 'paused':
    case 'analysing': {
      const person = rollout.waitsFor === null ? null : `skiff rollout ${rollout.waitsFor} ${service} ${environment}`;
      const message = person ? `${what} waits for a person: ${rollout.reason}; go on with: ${person}` : `${what} ${rollout.phase}: ${rollout.reason}`;
      return { kind: 'going', message, person };
    }
    default:
      return assertNever(rollout.phase, 'rollout phase');
  }
}
