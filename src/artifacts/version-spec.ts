/** Picks one artifact of a service from a version: a full digest, a unique hex prefix, or `latest`. */
import { SkiffError } from '../core/errors.js';
import { newestFirst, type ArtifactRecord } from './artifact-record.js';
import { hexOf } from './digest.js';

export const MIN_PREFIX = 6;

export type VersionSpec = { readonly kind: 'latest' } | { readonly kind: 'prefix'; readonly hex: string };

export function parseVersionSpec(version: string): VersionSpec {
  const text = version.trim();
  if (text === 'latest') return { kind: 'latest' };
  const hex = text.replace(/^sha256:/i, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex) || hex.length < MIN_PREFIX || hex.length > 64) {
    throw new SkiffError('SKIFF_ARTIFACT_VERSION_INVALID', `"${version}" is not an artifact version`, {
      hint: `give a digest (sha256:…), at least ${MIN_PREFIX} of its hex characters, or latest`,
    });
  }
  return { kind: 'prefix', hex };
}

/** `records` are the artifacts of `service`; newest wins `latest`. */
export function selectArtifact(service: string, version: string, records: readonly ArtifactRecord[]): ArtifactRecord {
  const spec = parseVersionSpec(version);
  const sorted = [...records].sort(newestFirst);
  if (spec.kind === 'latest') {
    const newest = sorted[0];
    if (newest) return newest;
    throw new SkiffError('SKIFF_ARTIFACT_NOT_FOUND', `service ${service} has no artifacts yet`, {
      hint: `build one with: skiff build ${service}`,
    });
  }
  const matches = sorted.filter((record) => hexOf(record.digest).startsWith(spec.hex));
  const [only, ...others] = matches;
  if (only && others.length === 0) return only;
  if (only) {
    throw new SkiffError('SKIFF_ARTIFACT_AMBIGUOUS', `${version} matches ${matches.length} artifacts of ${service}`, {
      hint: 'give more hex characters of the digest',
      details: matches.map((record) => ({
        code: 'SKIFF_ARTIFACT_AMBIGUOUS' as const,
        message: `${record.digest} built ${record.builtAt}`,
      })),
    });
  }
  throw new SkiffError('SKIFF_ARTIFACT_NOT_FOUND', `service ${service} has no artifact ${version}`, {
    hint: `list its artifacts with: skiff artifacts ${service}`,
  });
}
