/**
 * The dashboard's API clients. Every request goes through `dashboardFetch`, so access control
 * adds its bearer token here (and only here) later.
 */
import { createApiClient, type ApiClient } from '../../client/api-client.js';
import { SkiffError } from '../../core/errors.js';

/** Who the dashboard acts as in authored changes (releases, scale, approvals). */
export const dashboardAuthor = 'dashboard';

function dashboardFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  // Access control (issue 6, second part) sets `authorization: Bearer <token>` here.
  return fetch(input, { ...init, headers });
}

/** `onResponse` sees each response's status as soon as its headers arrive (streams included). */
export function createDashboardClient(options: { readonly onResponse?: (response: Response) => void } = {}): ApiClient {
  const { onResponse } = options;
  const fetchImpl = onResponse
    ? async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
        const response = await dashboardFetch(input, init);
        onResponse(response);
        return response;
      }
    : dashboardFetch;
  return createApiClient({ baseUrl: window.location.origin, fetch: fetchImpl });
}

export const api: ApiClient = createDashboardClient();

/** A message a person can act on, from whatever an API call threw. */
export function describeError(error: unknown): string {
  if (error instanceof SkiffError) return error.hint ? `${error.message} (${error.hint})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** The routes behind optional ports (pipelines, monitoring) do not exist when the server lacks them. */
export function isNotServed(error: unknown): boolean {
  return error instanceof SkiffError && error.code === 'SKIFF_NOT_FOUND' && error.message.startsWith('no route ');
}
