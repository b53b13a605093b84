/**
 * The questions Skiff asks a registry's HTTP API directly: which manifest digest a tag names, and
 * which image (config digest and labels) a manifest holds, with the environment's credentials
 * when the registry asks for them. Pushing goes through the engine.
 */
import { SkiffError } from '../../../core/errors.js';
import { registryLocation } from './image-names.js';
import { registryFetch, unauthorizedError, type RegistryCredentials } from './registry-auth.js';

/** Every manifest form the engine may push; without them a registry converts or refuses. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const DEFAULT_TIMEOUT_MS = 5000;

export function registryUnreachableError(repository: string, reason: string): SkiffError {
  const { baseUrl } = registryLocation(repository);
  return new SkiffError('SKIFF_REGISTRY_UNREACHABLE', `the image registry at ${baseUrl} (for ${repository}) is not reachable: ${reason}`, {
    hint: "is the registry running at that address? It is the environment's `registry:` in the spec",
  });
}

/** `resource` of the repository (`''`: the registry's `/v2/` itself); a 401 or 403 is SKIFF_REGISTRY_UNAUTHORIZED. */
async function registryRequest(repository: string, method: 'HEAD' | 'GET', resource: string, timeoutMs: number, credentials: RegistryCredentials | undefined): Promise<Response> {
  const { baseUrl, name } = registryLocation(repository);
  let response: Response;
  try {
    response = await registryFetch(`${baseUrl}/v2/${resource === '' ? '' : `${name}/${resource}`}`, { method, headers: { accept: MANIFEST_ACCEPT }, timeoutMs }, credentials);
  } catch (error) {
    throw registryUnreachableError(repository, reasonOf(error));
  }
  if (response.status === 401 || response.status === 403) throw unauthorizedError(repository, response.status, credentials);
  return response;
}

/**
 * Logs in as the docker CLI does (`GET /v2/` with the credentials), so a wrong password is
 * reported before anything is built, pushed or written.
 */
export async function checkRegistryCredentials(registry: string, credentials: RegistryCredentials, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  // Any repository of the registry gives its address.
  await registryRequest(`${registry}/_`, 'GET', '', timeoutMs, credentials);
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * The digest (`sha256:…`) of the manifest `repository:tag` names, from `Docker-Content-Digest`,
 * or null when the registry does not have it.
 */
export async function manifestDigest(repository: string, tag: string, credentials?: RegistryCredentials, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string | null> {
  const { name } = registryLocation(repository);
  const response = await registryRequest(repository, 'HEAD', `manifests/${encodeURIComponent(tag)}`, timeoutMs, credentials);
  if (response.status === 404) return null;
  if (!response.ok) throw registryUnreachableError(repository, `it answered HTTP ${response.status} to HEAD /v2/${name}/manifests/${tag}`);
  const digest = response.headers.get('docker-content-digest');
  if (digest === null || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw registryUnreachableError(repository, `it gave no Docker-Content-Digest for ${name}:${tag}; is it an OCI registry?`);
  }
  return digest;
}

export interface RegistryImage {
  /** The digest of the image's config: what the engine calls the image id. */
  readonly configDigest: string;
  readonly labels: Readonly<Record<string, string>>;
}

async function jsonOf(repository: string, resource: string, timeoutMs: number, credentials: RegistryCredentials | undefined): Promise<unknown> {
  const response = await registryRequest(repository, 'GET', resource, timeoutMs, credentials);
  if (!response.ok) throw registryUnreachableError(repository, `it answered HTTP ${response.status} to GET ${resource}`);
  return response.json();
}

/**
 * The image the manifest `digest` of `repository` holds, or null when it is not a single image
 * (an index of several platforms: Skiff never pushes one).
 */
export async function registryImage(repository: string, digest: string, credentials?: RegistryCredentials, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RegistryImage | null> {
  const manifest = (await jsonOf(repository, `manifests/${digest}`, timeoutMs, credentials)) as { config?: { digest?: string } };
  const configDigest = manifest.config?.digest;
  if (typeof configDigest !== 'string') return null;
  const config = (await jsonOf(repository, `blobs/${configDigest}`, timeoutMs, credentials)) as { config?: { Labels?: Record<string, string> | null } };
  return { configDigest, labels: config.config?.Labels ?? {} };
}
