import type { EventQuery, EventRecord } from '../../api/control-plane.js';
import { api } from '../lib/api.js';
import { age, clockTime } from '../lib/format.js';
import { useNow, useResource } from '../lib/hooks.js';
import { ErrorNote, Muted } from './bits.js';

const severity = (type: string): string =>
  /crashed|failed|unhealthy|firing|start-failed/.test(type) ? 'event-bad' : /rollback|restarted|replacing|pending/.test(type) ? 'event-warn' : 'event-info';

/** The API answers the newest events oldest first; the timeline puts the newest on top. */
export function EventTimeline(props: { readonly query: EventQuery; readonly matches: (event: EventRecord) => boolean }) {
  const now = useNow(5_000);
  const events = useResource(() => api.events({ limit: 50, ...props.query }), [JSON.stringify(props.query)], { refreshOn: props.matches });
  return (
    <div>
      <ErrorNote error={events.error} what="events" />
      {events.data?.length === 0 && <Muted>No events yet.</Muted>}
      <ol class="timeline" data-testid="events">
        {[...(events.data ?? [])].reverse().map((event) => (
          <li key={event.id} class={`event ${severity(event.type)}`}>
            <span class="event-time" title={clockTime(event.time)}>
              {age(event.time, now)} ago
            </span>
            <span class="event-type mono">{event.type}</span>
            <span class="event-message">{event.message}</span>
            <span class="event-actor muted">{event.actor}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
