import type { InstanceStatus } from '../../api/control-plane.js';
import { age } from '../lib/format.js';
import { useNow } from '../lib/hooks.js';
import { StateBadge } from './bits.js';

export function InstancesTable(props: { readonly instances: readonly InstanceStatus[]; readonly showService?: boolean }) {
  const now = useNow();
  if (props.instances.length === 0) return <p class="muted">No instances.</p>;
  return (
    <table class="table instances" data-testid="instances">
      <thead>
        <tr>
          <th>instance</th>
          {props.showService && <th>service</th>}
          <th>release</th>
          <th>state</th>
          <th class="num">restarts</th>
          <th class="num">age</th>
          <th class="num">pid</th>
          <th class="num">port</th>
          <th>reason</th>
        </tr>
      </thead>
      <tbody>
        {props.instances.map((instance) => (
          <tr key={instance.id} data-instance={instance.id} data-state={instance.state}>
            <td class="mono">{instance.id}</td>
            {props.showService && <td>{instance.service}</td>}
            <td>{instance.release}</td>
            <td>
              <StateBadge state={instance.state} />
            </td>
            <td class={`num ${instance.restarts > 0 ? 'warn' : ''}`}>{instance.restarts}</td>
            <td class="num">{age(instance.startedAt, now)}</td>
            <td class="num mono">{instance.pid ?? '-'}</td>
            <td class="num mono">{instance.port ?? '-'}</td>
            <td class="reason">{instance.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
