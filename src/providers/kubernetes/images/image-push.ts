/** Pushing a tagged image through the Docker engine, which holds the image. */
import type Docker from 'dockerode';
import { SkiffError } from '../../../core/errors.js';

interface PushMessage {
  readonly status?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
  readonly aux?: { readonly Tag?: string; readonly Digest?: string };
}

function pushFailedError(reference: string, reason: string): SkiffError {
  return new SkiffError('SKIFF_IMAGE_PUSH_FAILED', `pushing ${reference} failed: ${reason}`, {
    hint: "check that the environment's `registry:` accepts pushes from this machine, without credentials (Skiff sends none yet)",
  });
}

/**
 * Pushes `repository:tag` and follows the engine's progress stream to its end. Returns the
 * manifest digest the engine reports (`aux.Digest`), or undefined when it reports none.
 * An error event in the stream (the registry's refusal) becomes SKIFF_IMAGE_PUSH_FAILED.
 */
export async function pushImage(docker: Docker, repository: string, tag: string): Promise<string | undefined> {
  const reference = `${repository}:${tag}`;
  let failure: string | undefined;
  let digest: string | undefined;
  try {
    const progress = await docker.getImage(reference).push({ tag });
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
