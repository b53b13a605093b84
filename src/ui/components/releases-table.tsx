import type { ReleaseSummary } from '../../api/control-plane.js';
import { api } from '../lib/api.js';
import { age, shortDigest } from '../lib/format.js';
import { useNow } from '../lib/hooks.js';
import { ActionButton } from './action-button.js';

export function ReleasesTable(props: {
  readonly environment: string;
  readonly service: string;
  readonly releases: readonly ReleaseSummary[];
  /** Whether to offer a rollback: only to people who may deploy in this environment. */
  readonly canRollBack: boolean;
}) {
  const now = useNow(5_000);
  if (props.releases.length === 0) return <p class="muted">No releases yet.</p>;
  return (
    <table class="table releases" data-testid="releases">
      <thead>
        <tr>
          <th>release</th>
          <th>artifact</th>
          <th>reason</th>
          <th>author</th>
          <th class="num">age</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.releases.map((release) => (
          <tr key={release.version} data-release={release.version} class={release.current ? 'current' : ''}>
            <td class="strong">
              {release.version}
              {release.current && <span class="badge state-ready">running</span>}
            </td>
            <td class="mono small" title={release.artifact ?? 'runs from the source directory'}>
              {shortDigest(release.artifact)}
            </td>
            <td>
              {release.reason}
              {release.commit && <span class="mono small" title={release.commit}> {release.commit.slice(0, 12)}</span>}
            </td>
            <td>{release.author}</td>
            <td class="num">{age(release.createdAt, now)}</td>
            <td class="right">
              {props.canRollBack && !release.current && (
                <ActionButton
                  label={`Roll back to ${release.version}`}
                  busyLabel="Rolling back…"
                  testId={`rollback-${release.version}`}
                  environment={props.environment}
                  confirmText={`Roll ${props.service} in ${props.environment} back to ${release.version} (${shortDigest(release.artifact)}): a new release with its artifact and config.`}
                  run={() =>
                    api.rollback({ service: props.service, environment: props.environment, to: release.version })
                  }
                />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
