/** Small shared pieces: state badges, error and empty notes. */
import type { ComponentChildren } from 'preact';
import { describeError } from '../lib/api.js';

export function StateBadge(props: { readonly state: string }) {
  return <span class={`badge state-${props.state}`}>{props.state}</span>;
}

export function ErrorNote(props: { readonly error: unknown; readonly what: string }) {
  if (!props.error) return null;
  return (
    <p class="error-note" role="alert">
      Could not load {props.what}: {describeError(props.error)}
    </p>
  );
}

export function Muted(props: { readonly children: ComponentChildren }) {
  return <p class="muted">{props.children}</p>;
}

export function Section(props: { readonly title: ComponentChildren; readonly children: ComponentChildren; readonly aside?: ComponentChildren; readonly id?: string }) {
  return (
    <section class="card" id={props.id}>
      <header class="card-header">
        <h2>{props.title}</h2>
        {props.aside}
      </header>
      {props.children}
    </section>
  );
}
