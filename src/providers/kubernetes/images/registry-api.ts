/** The one question Skiff asks a registry's HTTP API directly: which manifest digest a tag names. */
import { SkiffError } from '../../../core/errors.js';
import { registryLocation } from './image-names.js';

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

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * The digest (`sha256:…`) of the manifest `repository:tag` names, from `Docker-Content-Digest`,
 * or null when the registry does not have it. A registry that asks for credentials is treated as
 * not having it: the engine, which may hold them, pushes and answers for itself.
 */
export async function manifestDigest(repository: string, tag: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string | null> {
  const { baseUrl, name } = registryLocation(repository);
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/v2/${name}/manifests/${encodeURIComponent(tag)}`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_ACCEPT },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw registryUnreachableError(repository, reasonOf(error));
  }
  if (response.status === 404 || response.status === 401 || response.status === 403) return null;
  if (!response.ok) throw registryUnreachableError(repository, `it answered HTTP ${response.status} to HEAD /v2/${name}/manifests/${tag}`);
  const digest = response.headers.get('docker-content-digest');
  if (digest === null || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw registryUnreachableError(repository, `it gave no Docker-Content-Digest for ${name}:${tag}; is it an OCI registry?`);
  }
  return digest;
}
