/**
 * Credentials for a registry that asks for them, as the docker CLI sends them: on a 401, the
 * request again with what the registry's `WWW-Authenticate` challenge asks for, `Basic` (the
 * distribution registry with htpasswd) or `Bearer` (a token from the realm, as Docker Hub, GHCR
 * and Harbor answer). The password is never part of a message.
 */
import { SkiffError } from '../../../core/errors.js';

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
  /** Where the password comes from, for messages: `SKIFF_REGISTRY_PROD`. */
  readonly source: string;
}

/** `127.0.0.1:5000` of `127.0.0.1:5000/skiff/catalog`: the key of the registry in a docker config. */
export function registryHost(registryOrRepository: string): string {
  const slash = registryOrRepository.indexOf('/');
  return slash < 0 ? registryOrRepository : registryOrRepository.slice(0, slash);
}

function basic({ username, password }: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
function challengeParams(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.trim().split(/\s+/, 1)[0]?.toLowerCase() ?? '';
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/(\w+)="([^"]*)"/g)) params[match[1] as string] = match[2] as string;
  return { scheme, params };
}

async function bearerToken(params: Record<string, string>, credentials: RegistryCredentials, timeoutMs: number): Promise<string | null> {
  const realm = params.realm;
  if (realm === undefined) return null;
  const url = new URL(realm);
  for (const key of ['service', 'scope'] as const) if (params[key] !== undefined) url.searchParams.set(key, params[key]);
  const answer = await fetch(url, { headers: { authorization: basic(credentials) }, signal: AbortSignal.timeout(timeoutMs) });
  if (!answer.ok) return null;
  const body = (await answer.json()) as { token?: string; access_token?: string };
  return body.token ?? body.access_token ?? null;
}

/**
 * `fetch` that answers a registry's challenge: without credentials, or when the registry refuses
 * them, the 401 is returned for the caller to report (`unauthorizedError`).
 */
export async function registryFetch(url: string, init: { readonly method: string; readonly headers?: Record<string, string>; readonly timeoutMs: number }, credentials: RegistryCredentials | undefined): Promise<Response> {
  const send = (authorization?: string): Promise<Response> =>
    fetch(url, { method: init.method, headers: { ...init.headers, ...(authorization ? { authorization } : {}) }, signal: AbortSignal.timeout(init.timeoutMs) });
  const first = await send();
  if (first.status !== 401 || credentials === undefined) return first;
  const { scheme, params } = challengeParams(first.headers.get('www-authenticate') ?? '');
  if (scheme === 'bearer') {
    const token = await bearerToken(params, credentials, init.timeoutMs);
    return token === null ? first : send(`Bearer ${token}`);
  }
  return send(basic(credentials));
}

/** A 401 (or 403) of the registry: it asks for credentials the environment does not give, or refused those it gave. */
export function unauthorizedError(registry: string, status: number, credentials: RegistryCredentials | undefined): SkiffError {
  const host = registryHost(registry);
  if (credentials === undefined) {
    return new SkiffError('SKIFF_REGISTRY_UNAUTHORIZED', `the image registry ${host} asks for credentials (HTTP ${status}), and the environment gives none`, {
      hint: 'give them in the spec: `kubernetes: { registryCredentials: { username: NAME, passwordEnv: SKIFF_REGISTRY_… } }`, with the password in that variable of `skiff up`',
    });
  }
  return new SkiffError('SKIFF_REGISTRY_UNAUTHORIZED', `the image registry ${host} refused the credentials of user "${credentials.username}" (HTTP ${status})`, {
    hint: `check the username in \`kubernetes.registryCredentials\` and the password in ${credentials.source} (the environment of \`skiff up\`)`,
  });
}

/** The engine's `X-Registry-Auth` for a push or pull (dockerode's `authconfig`). */
export function engineAuth(registry: string, credentials: RegistryCredentials): { username: string; password: string; serveraddress: string } {
  return { username: credentials.username, password: credentials.password, serveraddress: registryHost(registry) };
}
