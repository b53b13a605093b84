/**
 * Follows the release a deploy or promote stage made until it carries the traffic: through the
 * rollout it started, else through its instances. Notes in the stage's log where the rollout
 * stands when a person must act (and when it goes on), and gives up at the stage's deadline.
 */
import { pollPause } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import type { PipelineControlPort } from './ports.js';
import { judgeRollout } from './rollout-judgement.js';
import type { RolloutTarget } from './rollout-judgement.js';
import type { StageOutcome } from './steps.js';

export interface ReleaseFollowerDeps {
  readonly control: Pick<PipelineControlPort, 'rollout' | 'routed' | 'waitReady'>;
  readonly clock: Clock;
  readonly pollMs: number;
}

export async function followRelease(
  deps: ReleaseFollowerDeps,
  options: { readonly target: RolloutTarget; readonly timeoutMs: number; readonly note: (line: string) => void },
): Promise<StageOutcome> {
  const { control, clock } = deps;
  const { target, note } = options;
  const { environment, service, release } = target;
  const deadline = clock.now() + options.timeoutMs;
  let last: string | null = null;
  let person: string | null = null;
  for (;;) {
    const judged = judgeRollout(target, control.rollout(environment, service));
    switch (judged.kind) {
      case 'none':
        await control.waitReady({ environment, service, release, timeoutMs: Math.max(0, deadline - clock.now()) });
        return { ok: true, log: [`${release} ready in ${environment}`] };
      case 'done':
        await control.routed(environment);
        return { ok: true, log: [judged.message] };
      case 'failed':
        return { ok: false, log: [judged.message] };
      case 'going':
        // The first word of the rollout, then only when a person must act or has acted: not every step.
        if (last === null || judged.person !== person) note(judged.message);
        person = judged.person;
        last = judged.message;
        break;
    }
    if (clock.now() >= deadline) {
      return {
        ok: false,
        log: [`hint: see it with \`skiff rollout status ${service} ${environment}\``, `not finished within ${Math.round(options.timeoutMs / 1000)} s: ${last}`],
      };
    }
    await pollPause(deps.pollMs);
  }
}
