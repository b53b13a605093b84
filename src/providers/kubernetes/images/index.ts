/** Releases as OCI images in the environment's registry, referenced by digest. */
export { releaseImage } from './release-image.js';
export type { ReleaseArtifact, ReleaseImage, ReleaseImageOptions } from './release-image.js';
export { artifactTag, imageRepository, pinnedImage } from './image-names.js';
export { checkRegistryCredentials, manifestDigest, MANIFEST_ACCEPT, registryImage } from './registry-api.js';
export { registryHost } from './registry-auth.js';
export type { RegistryCredentials } from './registry-auth.js';
export type { RegistryImage } from './registry-api.js';
export { ARTIFACT_LABEL } from './artifact-image.js';
export { createImagePublisher, releaseArtifactOf } from './release-artifact.js';
export type { ImagePublisherDeps } from './release-artifact.js';
export { createRouterImagePublisher } from './router-image.js';
