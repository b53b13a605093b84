/**
 * How a release's image is named: `REGISTRY/SERVICE`, tagged by the artifact's short digest while
 * it is pushed, and referenced by the registry's manifest digest afterwards (a tag can move).
 */
import { SkiffError } from '../../../core/errors.js';

/** The artifact digest hex digits in the push tag, as the engine's own short image ids. */
const SHORT_DIGEST_LENGTH = 12;

/** A path component of a repository name, as the OCI distribution spec allows it. */
const repositoryComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * `127.0.0.1:5000/skiff` + `catalog` → `127.0.0.1:5000/skiff/catalog`, as export writes it.
 * A service name a registry cannot take (upper case, say) is refused before anything is built.
 */
export function imageRepository(registry: string, service: string): string {
  if (!repositoryComponent.test(service)) {
    throw new SkiffError('SKIFF_BAD_REQUEST', `the service name "${service}" cannot name an image in a registry`, {
      hint: 'image repository names are lower case letters and digits, separated by ".", "_" or "-": rename the service',
      path: `services.${service}`,
    });
  }
  return `${registry.replace(/\/+$/, '')}/${service}`;
}

/** The tag an artifact is pushed under: the first hex digits of its digest. */
export function artifactTag(artifactDigest: string): string {
  return artifactDigest.replace(/^sha256:/, '').slice(0, SHORT_DIGEST_LENGTH);
}

/** `REPOSITORY@sha256:…`: what manifests reference, never a tag. */
export function pinnedImage(repository: string, manifestDigest: string): string {
  return `${repository}@${manifestDigest}`;
}

export interface RegistryLocation {
  /** `http://127.0.0.1:5000`: the registry's HTTP API. */
  readonly baseUrl: string;
  /** The repository's name inside the registry: `skiff/catalog`. */
  readonly name: string;
}

/**
 * Where the registry's API answers for `repository`. The engine talks plain HTTP only to
 * registries on loopback (insecure by default there), HTTPS to every other; this does the same.
 */
export function registryLocation(repository: string): RegistryLocation {
  const slash = repository.indexOf('/');
  const host = repository.slice(0, slash);
  const hostname = host.replace(/:\d+$/, '');
  const loopback = hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]';
  return { baseUrl: `${loopback ? 'http' : 'https'}://${host}`, name: repository.slice(slash + 1) };
}
