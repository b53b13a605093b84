/** Builds an image through the engine from a tar build context, and looks images up. */
import type Docker from 'dockerode';
import { SkiffError } from '../../core/errors.js';
import { engineStatusCode } from './engine.js';
import { tarStream } from './tar-stream.js';
import type { TarEntry } from './tar-stream.js';

export interface ImageBuild {
  /** The build context; it must hold the Dockerfile. */
  readonly entries: readonly TarEntry[];
  readonly tag: string;
  /** Path of the Dockerfile inside the context. */
  readonly dockerfile?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

interface BuildMessage {
  readonly stream?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
  readonly aux?: { readonly ID?: string };
}

/** The image's id (`sha256:…`) and labels, or null when the engine does not have it. */
export async function inspectImage(docker: Docker, ref: string): Promise<{ id: string; labels: Record<string, string> } | null> {
  try {
    const info = await docker.getImage(ref).inspect();
    return { id: info.Id, labels: info.Config?.Labels ?? {} };
  } catch (error) {
    if (engineStatusCode(error) === 404) return null;
    throw error;
  }
}

/** Builds the image and returns its id; rejects with SKIFF_DOCKER_BUILD_FAILED and the engine's last output. */
export async function buildImage(docker: Docker, build: ImageBuild): Promise<string> {
  const output: string[] = [];
  let failure: string | undefined;
  try {
    const progress = await docker.buildImage(tarStream(build.entries), {
      t: build.tag,
      dockerfile: build.dockerfile ?? 'Dockerfile',
      labels: { ...(build.labels ?? {}) },
      rm: true,
      forcerm: true,
    });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        progress,
        (error: Error | null) => (error ? reject(error) : resolve()),
        (message: BuildMessage) => {
          if (message.stream) output.push(...message.stream.split('\n').filter((line) => line.trim() !== ''));
          if (message.error) failure = message.errorDetail?.message ?? message.error;
        },
      );
    });
  } catch (error) {
    failure = (error as Error).message;
  }
  if (failure === undefined) {
    const image = await inspectImage(docker, build.tag);
    if (image) return image.id;
    failure = 'the engine finished without producing the image';
  }
  throw new SkiffError('SKIFF_DOCKER_BUILD_FAILED', `building ${build.tag} failed: ${failure}`, {
    hint: output.length > 0 ? `last build output:\n${output.slice(-10).join('\n')}` : undefined,
  });
}
