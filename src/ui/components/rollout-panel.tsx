/**
 * The service's current (or last) rollout: strategy, phase and reason, the steps with the current
 * one highlighted, the traffic weights per release, the analyses with their figures, and the
 * buttons a person may use on it. Kept current by the `rollout.*` events.
 */
import type { EventRecord } from '../../api/control-plane.js';
import type { RolloutAction, RolloutView } from '../../api/rollout-port.js';
import { SkiffError } from '../../core/errors.js';
import { api } from '../lib/api.js';
import { age } from '../lib/format.js';
import { useNow, useResource } from '../lib/hooks.js';
import { offeredRolloutActions } from '../lib/rollout-actions.js';
import { ActionButton } from './action-button.js';
import { ErrorNote, Section, StateBadge } from './bits.js';
import { RolloutAnalyses } from './rollout-analyses.js';
import { TrafficWeights } from './traffic-weights.js';

/** Steps are announced by events; a timed pause ends without one, so poll while a rollout runs. */
const activePollMs = 3_000;

async function loadRollout(environment: string, service: string): Promise<RolloutView | null> {
  try {
    return await api.rollout(environment, service);
  } catch (error) {
    if (error instanceof SkiffError && error.code === 'SKIFF_NO_ROLLOUT') return null;
    throw error;
  }
}

const labels: Record<RolloutAction, { label: string; busy: string; kind: 'primary' | 'secondary' | 'danger'; what: string }> = {
  promote: { label: 'Promote', busy: 'Promoting…', kind: 'primary', what: 'skip the remaining steps and send all traffic to' },
  pause: { label: 'Pause', busy: 'Pausing…', kind: 'secondary', what: 'hold traffic and instances as they are for' },
  resume: { label: 'Resume', busy: 'Resuming…', kind: 'primary', what: 'go on with the rollout of' },
  abort: { label: 'Abort', busy: 'Aborting…', kind: 'danger', what: 'send all traffic back to the stable release and drain' },
  undo: { label: 'Undo', busy: 'Undoing…', kind: 'danger', what: 'switch all traffic back to the old release instead of' },
};

export function RolloutPanel(props: { readonly environment: string; readonly service: string; readonly canAct: boolean }) {
  const { environment, service } = props;
  const mine = (event: EventRecord): boolean =>
    event.environment === environment &&
    event.service === service &&
    (event.type.startsWith('rollout.') || event.type.startsWith('release.') || event.type.startsWith('deployment.'));
  const rollout = useResource(() => loadRollout(environment, service), [environment, service], {
    refreshOn: mine,
    pollMs: (data) => (data?.active ? activePollMs : undefined),
  });
  const now = useNow(5_000);
  const view = rollout.data;
  if (!view) return rollout.error ? <ErrorNote error={rollout.error} what="the rollout" /> : null;
  const offered = props.canAct ? offeredRolloutActions(view) : [];
  return (
    <Section
      id="rollout"
      title={
        <>
          {view.active ? 'Rollout' : 'Last rollout'} <StateBadge state={view.phase} />
        </>
      }
      aside={
        <span class="muted small">
          {view.strategy} · {view.trigger} by {view.author} · {age(view.startedAt, now)} ago
          {view.finishedAt && ` · ${view.result ?? 'finished'} ${age(view.finishedAt, now)} ago`}
        </span>
      }
    >
      <div data-testid="rollout" data-phase={view.phase} data-active={String(view.active)} data-step={view.step}>
        <ErrorNote error={rollout.error} what="the latest rollout state" />
        <p class="rollout-head">
          <span class="strong">
            {view.stable.release} → {view.next.release}
          </span>{' '}
          <span class="rollout-reason" data-testid="rollout-reason">
            {view.reason}
          </span>
        </p>
        <ol class="rollout-steps" data-testid="rollout-steps">
          {view.steps.map((step) => (
            <li
              key={step.index}
              class={`rollout-step step-${step.state}`}
              data-state={step.state}
              aria-current={step.state === 'current' ? 'step' : undefined}
              title={step.state}
            >
              <span class="rollout-step-index">{step.index + 1}</span> {step.label}
            </li>
          ))}
        </ol>
        <TrafficWeights view={view} />
        <RolloutAnalyses view={view} />
        {offered.length > 0 && (
          <div class="rollout-actions" data-testid="rollout-actions">
            {offered.map((action) => (
              <ActionButton
                key={action}
                label={labels[action].label}
                busyLabel={labels[action].busy}
                kind={labels[action].kind}
                testId={`rollout-${action}`}
                environment={environment}
                confirmText={`${labels[action].label} the rollout of ${service} in ${environment}: ${labels[action].what} ${view.next.release}.`}
                run={() => api.rolloutAction({ environment, service, action })}
                onDone={() => rollout.reload()}
              />
            ))}
          </div>
        )}
      </div>
    </Section>
  );
}
