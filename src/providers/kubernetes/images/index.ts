/** Releases as OCI images in the environment's registry, referenced by digest. */
export { releaseImage } from './release-image.js';
export type { ReleaseArtifact, ReleaseImage, ReleaseImageOptions } from './release-image.js';
export { artifactTag, imageRepository, pinnedImage } from './image-names.js';
export { manifestDigest, MANIFEST_ACCEPT } from './registry-api.js';
