/**
 * The dashboard's one API client. Every request goes through `dashboardFetch`, so access control
 * adds its bearer token here (and only here) later.
 */
import { createApiClient, type ApiClient } from '../../client/api-client.js';
import { SkiffError } from '../../core/errors.js';

/** Who the dashboard acts as in authored changes (releases, scale, approvals). */
export const dashboardAuthor = 'dashboard';

function dashboardFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  // TODO(access control): headers.set('authorization', `Bearer ${token}`)
  return fetch(input, { ...init, headers });
}

export const api: ApiClient = createApiClient({ baseUrl: window.location.origin, fetch: dashboardFetch });

/** A message a person can act on, from whatever an API call threw. */
export function describeError(error: unknown): string {
  if (error instanceof SkiffError) return error.hint ? `${error.message} (${error.hint})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** The routes behind optional ports (pipelines, monitoring) answer 404 when the server lacks them. */
export function isNotServed(error: unknown): boolean {
  return error instanceof SkiffError && error.code === 'SKIFF_INTERNAL' && error.message.includes('HTTP 404');
}
