/**
 * The dashboard's API clients. Every request goes through `dashboardFetch`, the one place that
 * adds the bearer token and notices a token the server no longer accepts.
 */
import { createApiClient, type ApiClient } from '../../client/api-client.js';
import { SkiffError } from '../../core/errors.js';
import { browserTokenStorage } from './token-store.js';

type UnauthorizedListener = (message: string) => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Called when a request with the stored token gets 401: the token expired, was revoked or is wrong. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

async function dashboardFetch(input: RequestInfo | URL, init: RequestInit, token: string | undefined): Promise<Response> {
  const headers = new Headers(init.headers);
  // The stored token is read at each request, so signing in or out needs no new client.
  const bearer = token ?? browserTokenStorage.read();
  if (bearer) headers.set('authorization', `Bearer ${bearer}`);
  const response = await fetch(input, { ...init, headers });
  if (response.status === 401 && token === undefined && unauthorizedListeners.size > 0) {
    const message = await unauthorizedMessage(response.clone());
    for (const listener of unauthorizedListeners) listener(message);
  }
  return response;
}

async function unauthorizedMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not the server's error JSON: say it in general terms.
  }
  return 'the server did not accept the token';
}

export interface DashboardClientOptions {
  /** Sees each response as soon as its headers arrive (streams included). */
  readonly onResponse?: (response: Response) => void;
  /** Sends this token instead of the stored one (to check a token before keeping it). */
  readonly token?: string;
}

export function createDashboardClient(options: DashboardClientOptions = {}): ApiClient {
  const { onResponse, token } = options;
  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const response = await dashboardFetch(input, init, token);
    onResponse?.(response);
    return response;
  };
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
