/** Scale, deploy an artifact, promote to another environment: each a confirmed action in production. */
import { useEffect, useState } from 'preact/hooks';
import type { ArtifactSummary } from '../../api/control-plane.js';
import { api } from '../lib/api.js';
import { age, shortDigest } from '../lib/format.js';
import { useNow } from '../lib/hooks.js';
import { ActionButton } from './action-button.js';

interface Target {
  readonly environment: string;
  readonly service: string;
}

export function ScaleControl(props: Target & { readonly desired: number }) {
  const [count, setCount] = useState(props.desired);
  useEffect(() => setCount(props.desired), [props.desired]);
  const valid = Number.isInteger(count) && count >= 0 && count <= 100;
  return (
    <div class="control">
      <label for="scale-count">Instances</label>
      <input
        id="scale-count"
        type="number"
        min={0}
        max={100}
        value={count}
        data-testid="scale-count"
        onInput={(event) => setCount(Number((event.target as HTMLInputElement).value))}
      />
      <ActionButton
        label="Scale"
        busyLabel="Scaling…"
        kind="primary"
        testId="scale"
        environment={props.environment}
        disabled={!valid || count === props.desired}
        confirmText={`Scale ${props.service} in ${props.environment} from ${props.desired} to ${count} instances.`}
        run={() => api.scale({ environment: props.environment, service: props.service, instances: count })}
      />
    </div>
  );
}

export function DeployControl(props: Target & { readonly artifacts: readonly ArtifactSummary[] }) {
  const now = useNow(10_000);
  const [digest, setDigest] = useState<string>('');
  const chosen = digest || props.artifacts[0]?.digest || '';
  if (props.artifacts.length === 0) {
    return <p class="muted small">No artifacts to deploy yet: build one with `skiff build {props.service}` or a pipeline.</p>;
  }
  return (
    <div class="control">
      <label for="deploy-artifact">Artifact</label>
      <select id="deploy-artifact" value={chosen} data-testid="deploy-artifact" onChange={(event) => setDigest((event.target as HTMLSelectElement).value)}>
        {props.artifacts.map((artifact) => (
          <option key={artifact.digest} value={artifact.digest}>
            {shortDigest(artifact.digest)} · {age(artifact.createdAt, now)} ago{artifact.sourceCommit ? ` · ${artifact.sourceCommit.slice(0, 8)}` : ''}
          </option>
        ))}
      </select>
      <ActionButton
        label="Deploy"
        busyLabel="Deploying…"
        kind="primary"
        testId="deploy"
        environment={props.environment}
        disabled={!chosen}
        confirmText={`Deploy ${shortDigest(chosen)} of ${props.service} to ${props.environment}.`}
        run={() => api.deploy({ service: props.service, environment: props.environment, version: chosen })}
      />
    </div>
  );
}

/** `targets`: the environments this person may promote into. */
export function PromoteControl(props: Target & { readonly targets: readonly string[] }) {
  const { targets } = props;
  const [to, setTo] = useState('');
  const target = to || targets[0] || '';
  if (targets.length === 0) return null;
  return (
    <div class="control">
      <label for="promote-to">Promote to</label>
      <select id="promote-to" value={target} data-testid="promote-to" onChange={(event) => setTo((event.target as HTMLSelectElement).value)}>
        {targets.map((environment) => (
          <option key={environment} value={environment}>
            {environment}
          </option>
        ))}
      </select>
      <ActionButton
        label="Promote"
        busyLabel="Promoting…"
        testId="promote"
        environment={target}
        disabled={!target}
        confirmText={`Deploy to ${target} exactly the artifact ${props.service} runs in ${props.environment}.`}
        run={() => api.promote({ service: props.service, from: props.environment, to: target })}
      />
    </div>
  );
}
