import { describe, expect, it } from 'vitest';
import type { ArtifactSummary } from '../api/control-plane.js';
import type { ReleaseContent } from '../spec/release.js';
import type { PlannedRelease } from '../spec/release-plan.js';
import { buildSourceReleases } from './source-builds.js';

const plan = (environment: string, service: string, artifact: string | null): PlannedRelease =>
  ({ environment, service, reason: 'source', content: { artifact, sourceDirectory: artifact ? null : `/src/${service}` } as unknown as ReleaseContent });

describe('buildSourceReleases', () => {
  it('builds each service once for the environments that run built artifacts only, and leaves the others as planned', async () => {
    const builds: string[] = [];
    const planned = [plan('cluster', 'web', null), plan('edge', 'web', null), plan('dev', 'web', null), plan('cluster', 'api', 'sha256:api')];
    const result = await buildSourceReleases(planned, {
      runsFromSource: (environment) => environment === 'dev',
      build: async (service, environment) => {
        builds.push(`${service}@${environment}`);
        return { digest: `sha256:${service}`, service, size: 1, createdAt: '', sourceCommit: null } satisfies ArtifactSummary;
      },
      withArtifact: (release, digest) => ({ ...release.content, artifact: digest, sourceDirectory: null }),
    });
    expect(builds).toEqual(['web@cluster']);
    expect(result.built).toEqual([
      { service: 'web', environment: 'cluster', digest: 'sha256:web' },
      { service: 'web', environment: 'edge', digest: 'sha256:web' },
    ]);
    expect(result.planned.map((release) => `${release.environment}/${release.service}: ${release.content.artifact}`)).toEqual([
      'cluster/web: sha256:web',
      'edge/web: sha256:web',
      'dev/web: null',
      'cluster/api: sha256:api',
    ]);
  });

  it('a failed build fails the whole plan', async () => {
    const failing = buildSourceReleases([plan('cluster', 'web', null)], {
      runsFromSource: () => false,
      build: async () => {
        throw new Error('the build command exited with 2');
      },
      withArtifact: (release) => release.content,
    });
    await expect(failing).rejects.toThrow('exited with 2');
  });
});
