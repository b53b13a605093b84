/**
 * Each release's image in the environment's registry, pushed once however many of its instances
 * are placed (a push that fails is forgotten, so the next place pushes again), with an event for
 * the reference it got or the reason it did not.
 */
import { SkiffError } from '../../../core/errors.js';
import type { DesiredService } from '../../../spec/desired.js';
import type { NewEvent } from '../../../store/state-store.js';
import type { RegistryCredentials } from '../images/index.js';
import { deploymentNameOf } from './release-objects.js';

/** The release's image pushed to a registry, by digest (the images module's `releaseImage`, bound to this machine's artifacts and engine). */
export type PublishImage = (release: DesiredService, registry: string, credentials?: RegistryCredentials) => Promise<{ readonly reference: string; readonly digest: string; readonly pushed: boolean }>;

export class ReleaseImages {
  private readonly images = new Map<string, Promise<string>>();

  constructor(
    private readonly deps: { readonly environment: string; readonly registry: string; readonly publish: (release: DesiredService, registry: string) => ReturnType<PublishImage>; readonly emit: (event: NewEvent) => void },
  ) {}

  /** `REGISTRY/SERVICE@sha256:…` of the release. */
  reference(release: DesiredService): Promise<string> {
    const key = `${deploymentNameOf(release)}@${release.artifact ?? ''}`;
    let image = this.images.get(key);
    if (!image) {
      image = this.deps.publish(release, this.deps.registry).then(
        (published) => {
          const how = published.pushed ? 'pushed' : 'already in the registry';
          this.emit(release, 'release.image', `${release.name} ${release.release}: image ${published.reference} (${how})`, { reference: published.reference, digest: published.digest, pushed: published.pushed });
          return published.reference;
        },
        (error: unknown) => {
          this.images.delete(key);
          const code = error instanceof SkiffError ? error.code : null;
          this.emit(release, 'release.image-failed', `${release.name} ${release.release}: its image could not be pushed, nothing was applied: ${(error as Error).message}${code ? ` [${code}]` : ''}`, { code });
          throw error;
        },
      );
      this.images.set(key, image);
    }
    return image;
  }

  private emit(release: DesiredService, type: string, message: string, data: Record<string, unknown>): void {
    this.deps.emit({ type, environment: this.deps.environment, service: release.name, message, data: { release: release.release, ...data } });
  }
}
