/** For tests: an environment resolved as if every service ran its first release from source. */
import { resolveEnvironment } from '../desired.js';
import type { DesiredEnvironment } from '../desired.js';
import { releaseHash } from '../release.js';
import type { Release } from '../release.js';
import { planReleasesForApply } from '../release-plan.js';
import type { Spec } from '../schema.js';

export function resolveFromSource(spec: Spec, environment: string, baseDir: string): DesiredEnvironment {
  const releases: Record<string, Release> = {};
  for (const planned of planReleasesForApply({ spec, baseDir, current: () => null, sourceEnvironment: environment })) {
    releases[planned.service] = {
      ...planned.content,
      environment,
      service: planned.service,
      version: 1,
      configHash: releaseHash(planned.content),
      author: 'test',
      reason: planned.reason,
      createdAt: '',
    };
  }
  return resolveEnvironment(spec, environment, releases);
}
