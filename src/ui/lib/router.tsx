/** A tiny history router: the server answers every non-API path with index.html. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const changed = 'skiff:navigate';

export function navigate(path: string): void {
  if (path === window.location.pathname + window.location.search) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(changed));
}

export function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const update = (): void => setPath(window.location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener(changed, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(changed, update);
    };
  }, []);
  return path;
}

export function Link(props: { readonly href: string; readonly class?: string; readonly children: ComponentChildren }) {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

export const paths = {
  overview: '/',
  pipelines: '/pipelines',
  jobs: '/jobs',
  flags: '/flags',
  certificates: '/certificates',
  audit: '/audit',
  service: (environment: string, service: string): string =>
    `/environments/${encodeURIComponent(environment)}/services/${encodeURIComponent(service)}`,
} as const;

export type Page =
  | { readonly kind: 'overview' }
  | { readonly kind: 'pipelines' }
  | { readonly kind: 'jobs' }
  | { readonly kind: 'flags' }
  | { readonly kind: 'certificates' }
  | { readonly kind: 'audit' }
  | { readonly kind: 'service'; readonly environment: string; readonly service: string }
  | { readonly kind: 'not-found'; readonly path: string };

export function matchPage(path: string): Page {
  if (path === '/' || path === '') return { kind: 'overview' };
  if (path === '/pipelines') return { kind: 'pipelines' };
  if (path === '/jobs') return { kind: 'jobs' };
  if (path === '/flags') return { kind: 'flags' };
  if (path === '/certificates') return { kind: 'certificates' };
  if (path === '/audit') return { kind: 'audit' };
  const service = /^\/environments\/([^/]+)\/services\/([^/]+)\/?$/.exec(path);
  if (service?.[1] && service[2]) {
    return { kind: 'service', environment: decodeURIComponent(service[1]), service: decodeURIComponent(service[2]) };
  }
  return { kind: 'not-found', path };
}
