/**
 * Feature flags per environment: state, variants, default variant and targeting as evaluated now.
 * Someone who may deploy to the environment toggles a flag and slides a rollout; each change is
 * one API call (a flag revision, audited). Others see the same table read-only.
 */
import { useEffect, useState } from 'preact/hooks';
import { allows } from '../../core/access.js';
import type { EffectiveFlag } from '../../api/flags-port.js';
import { ActionButton } from '../components/action-button.js';
import { ErrorNote, Muted, Section, StateBadge } from '../components/bits.js';
import { api } from '../lib/api.js';
import { prettyTargeting, rolloutShare, variantText } from '../lib/flag-view.js';
import { useResource } from '../lib/hooks.js';
import { useSession } from '../lib/session.js';

export function FlagsPage() {
  const environments = useResource(() => api.environments(), [], {
    refreshOn: (event) => event.type === 'spec.applied' || event.type === 'environment.restored',
  });
  return (
    <div class="page">
      <h1>Flags</h1>
      <ErrorNote error={environments.error} what="the environments" />
      {environments.data?.map((environment) => <EnvironmentFlags key={environment} environment={environment} />)}
    </div>
  );
}

function EnvironmentFlags(props: { readonly environment: string }) {
  const { environment } = props;
  const flags = useResource(() => api.flags(environment), [environment], { refreshOn: (event) => event.type === 'spec.applied' });
  const session = useSession();
  const canChange = session !== undefined && allows(session, 'deploy', environment);
  return (
    <Section title={<span class="env-name">{environment}</span>}>
      <ErrorNote error={flags.error} what={`the flags of ${environment}`} />
      {flags.data?.length === 0 && <Muted>No flags: declare them under `flags:` in skiff.yaml.</Muted>}
      {flags.data && flags.data.length > 0 && (
        <table class="table flags" data-testid={`flags-${environment}`}>
          <thead>
            <tr>
              <th>flag</th>
              <th>state</th>
              <th>variants</th>
              <th>default</th>
              <th>targeting</th>
              <th>rollout</th>
            </tr>
          </thead>
          <tbody>
            {flags.data.map((flag) => (
              <FlagRow key={flag.key} environment={environment} flag={flag} canChange={canChange} onChanged={flags.reload} />
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

interface FlagRowProps {
  readonly environment: string;
  readonly flag: EffectiveFlag;
  readonly canChange: boolean;
  readonly onChanged: () => void;
}

function FlagRow(props: FlagRowProps) {
  const { environment, flag: view, canChange, onChanged } = props;
  const { key, flag } = view;
  const enabled = flag.state === 'ENABLED';
  const targeting = prettyTargeting(flag.targeting);
  return (
    <tr data-flag={key} data-state={flag.state} data-source={view.source}>
      <td class="mono strong">
        {key}
        {view.source === 'runtime' && (
          <span class="badge" title="a run-time change is in force until it is reset to the spec's definition">
            changed at run time
          </span>
        )}
      </td>
      <td class="nowrap" data-testid="flag-state">
        <StateBadge state={enabled ? 'enabled' : 'disabled'} />
        {canChange && (
          <ActionButton
            label={enabled ? 'Disable' : 'Enable'}
            busyLabel="Saving…"
            testId="flag-toggle"
            kind={enabled ? 'secondary' : 'primary'}
            environment={environment}
            confirmText={`${enabled ? 'Disable' : 'Enable'} flag ${key} in ${environment}: every evaluation ${enabled ? "gets the caller's default" : 'follows the flag again'}.`}
            run={() => api.changeFlag({ environment, key, change: { kind: 'set', state: enabled ? 'DISABLED' : 'ENABLED' } })}
            onDone={onChanged}
          />
        )}
      </td>
      <td class="mono small" data-testid="flag-variants">
        {Object.entries(flag.variants).map(([name, value]) => (
          <div key={name}>
            {name} = {variantText(value)}
          </div>
        ))}
      </td>
      <td class="mono" data-testid="flag-default">
        {flag.defaultVariant}
      </td>
      <td data-testid="flag-targeting">{targeting ? <pre class="targeting">{targeting}</pre> : <span class="muted small">none</span>}</td>
      <td data-testid="flag-rollout">
        <RolloutControl environment={environment} view={view} canChange={canChange} onChanged={onChanged} />
      </td>
    </tr>
  );
}

function RolloutControl(props: { readonly environment: string; readonly view: EffectiveFlag; readonly canChange: boolean; readonly onChanged: () => void }) {
  const { environment, view, canChange, onChanged } = props;
  const share = rolloutShare(view.flag);
  const current = share?.percent ?? 0;
  const [percent, setPercent] = useState(current);
  useEffect(() => setPercent(current), [current]);
  const shown = share ? `${share.percent}% ${share.variant}` : 'no rollout';
  if (!canChange) return <span class="small">{shown}</span>;
  return (
    <div class="control rollout-control">
      <input
        type="range"
        min={0}
        max={100}
        step={1}
        value={percent}
        data-testid="rollout-percent"
        aria-label={`share of targeting keys for ${view.key}`}
        onInput={(event) => setPercent(Number((event.target as HTMLInputElement).value))}
      />
      <span class="mono small" data-testid="rollout-shown">
        {percent}%
      </span>
      <ActionButton
        label="Roll out"
        busyLabel="Rolling out…"
        testId="flag-rollout-apply"
        environment={environment}
        disabled={share !== null && percent === current}
        confirmText={`Give ${percent}% of targeting keys the new variant of ${view.key} in ${environment}, the rest its default variant.`}
        run={() => api.changeFlag({ environment, key: view.key, change: { kind: 'rollout', percent, ...(share ? { variant: share.variant } : {}) } })}
        onDone={onChanged}
      />
      {view.source === 'runtime' && (
        <ActionButton
          label="Reset"
          busyLabel="Resetting…"
          testId="flag-reset"
          environment={environment}
          confirmText={`Drop the run-time changes of ${view.key} in ${environment}: the spec's definition applies again.`}
          run={() => api.resetFlag(environment, view.key)}
          onDone={onChanged}
        />
      )}
      <div class="muted small">{shown}</div>
    </div>
  );
}
