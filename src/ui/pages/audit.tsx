/** The audit log, newest first: every change asked of the API and every refused request, live. */
import { useState } from 'preact/hooks';
import type { AuditEntry } from '../../api/access-port.js';
import { ErrorNote, Muted } from '../components/bits.js';
import { api } from '../lib/api.js';
import { age, clockTime } from '../lib/format.js';
import { useNow, useResource } from '../lib/hooks.js';

const limit = 200;
/** Refused requests announce no event: poll for them too. */
const pollMs = 5_000;

export function AuditPage() {
  const [who, setWho] = useState('');
  const filter = who.trim();
  const entries = useResource(() => api.audit({ limit, ...(filter ? { who: filter } : {}) }), [filter], { pollMs: () => pollMs });
  const now = useNow(5_000);
  return (
    <div class="page">
      <h1>Audit log</h1>
      <p class="muted">Every change asked of the API and every refused request: who, what, when, from where, and the result. Nobody can edit it.</p>
      <div class="control audit-filter">
        <label for="audit-who">Who</label>
        <input id="audit-who" type="text" placeholder="token name" value={who} onInput={(event) => setWho((event.target as HTMLInputElement).value)} />
      </div>
      <ErrorNote error={entries.error} what="the audit log" />
      {entries.data?.length === 0 && <Muted>{filter ? `Nothing by ${filter}.` : 'Nothing yet.'}</Muted>}
      {entries.data && entries.data.length > 0 && (
        <section class="card">
          <table class="table audit" data-testid="audit">
            <thead>
              <tr>
                <th>when</th>
                <th>who</th>
                <th>what</th>
                <th>from</th>
                <th>result</th>
              </tr>
            </thead>
            <tbody>
              {entries.data.map((entry) => (
                <AuditRow key={entry.id} entry={entry} now={now} />
              ))}
            </tbody>
          </table>
          {entries.data.length === limit && <p class="muted small">The newest {limit}; `skiff audit --since TIME` shows more.</p>}
        </section>
      )}
    </div>
  );
}

function AuditRow(props: { readonly entry: AuditEntry; readonly now: number }) {
  const { entry } = props;
  const outcome = entry.status < 400 ? 'ok' : entry.status === 401 || entry.status === 403 ? 'refused' : 'failed';
  return (
    <tr data-audit={entry.id} data-outcome={outcome} data-actor={entry.actor ?? ''}>
      <td class="nowrap" title={clockTime(entry.time)}>
        {age(entry.time, props.now)} ago
      </td>
      <td>
        {entry.actor ?? <span class="muted">no valid token</span>}
        {entry.role && <span class={`badge role-${entry.role}`}>{entry.role}</span>}
      </td>
      <td>
        <div>{entry.summary}</div>
        <div class="mono small muted">
          {entry.method} {entry.route}
        </div>
      </td>
      <td class="mono small">{entry.address}</td>
      <td class="nowrap">
        <span class={`badge outcome-${outcome}`}>{entry.status}</span>
        {entry.code && <span class="mono small muted"> {entry.code}</span>}
      </td>
    </tr>
  );
}
