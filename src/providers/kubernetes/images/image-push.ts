/** Pushing a tagged image through the Docker engine, which holds the image. */
import type Docker from 'dockerode';
import { SkiffError } from '../../../core/errors.js';
import { engineAuth, type RegistryCredentials } from './registry-auth.js';

interface PushMessage {
  readonly status?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
  readonly aux?: { readonly Tag?: string; readonly Digest?: string };
}

function pushFailedError(reference: string, reason: string): SkiffError {
  return new SkiffError('SKIFF_IMAGE_PUSH_FAILED', `pushing ${reference} failed: ${reason}`, {
    hint: "check that the environment's `registry:` accepts pushes from this machine (with `kubernetes.registryCredentials` when it asks for them)",
  });
}

/**
 * Pushes `repository:tag` and follows the engine's progress stream to its end. Returns the
 * manifest digest the engine reports (`aux.Digest`), or undefined when it reports none.
 * An error event in the stream (the registry's refusal) becomes SKIFF_IMAGE_PUSH_FAILED. The
 * engine keeps no credentials: they go with the push (`X-Registry-Auth`), as the docker CLI sends them.
 */
export async function pushImage(docker: Docker, repository: string, tag: string, credentials?: RegistryCredentials): Promise<string | undefined> {
  const reference = `${repository}:${tag}`;
  let failure: string | undefined;
  let digest: string | undefined;
  try {
    const progress = await docker.getImage(reference).push({ tag, ...(credentials ? { authconfig: engineAuth(repository, credentials) } : {}) });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        progress,
        (error: Error | null) => (error ? reject(error) : resolve()),
        (message: PushMessage) => {
          if (message.error) failure = message.errorDetail?.message ?? message.error;
          if (message.aux?.Digest && (message.aux.Tag === undefined || message.aux.Tag === tag)) digest = message.aux.Digest;
        },
      );
    });
  } catch (error) {
    failure ??= (error as Error).message;
  }
  if (failure !== undefined) throw pushFailedError(reference, failure);
  return digest;
}
