/**
 * Releases that would run from their source directory, in environments whose provider runs built
 * artifacts only (a cluster pulls images): the service is built first, as `skiff build` builds
 * it, and the release records that artifact, so it is promotable like any deployed one.
 */
import type { ArtifactSummary, BuiltFromSource } from '../api/control-plane.js';
import type { ReleaseContent } from '../spec/release.js';
import type { PlannedRelease } from '../spec/release-plan.js';

export interface SourceBuildDeps {
  readonly runsFromSource: (environment: string) => boolean;
  /** Builds the service's source (`environment`: the first one that needs it, for the events). */
  readonly build: (service: string, environment: string) => Promise<ArtifactSummary>;
  /** The planned release's content running the artifact. */
  readonly withArtifact: (plan: PlannedRelease, digest: string) => ReleaseContent;
}

/** Each service is built once, however many environments need it; a failed build throws (nothing is recorded). */
export async function buildSourceReleases(planned: readonly PlannedRelease[], deps: SourceBuildDeps): Promise<{ planned: PlannedRelease[]; built: BuiltFromSource[] }> {
  const artifacts = new Map<string, ArtifactSummary>();
  const built: BuiltFromSource[] = [];
  const result: PlannedRelease[] = [];
  for (const plan of planned) {
    if (plan.content.artifact !== null || deps.runsFromSource(plan.environment)) {
      result.push(plan);
      continue;
    }
    let artifact = artifacts.get(plan.service);
    if (artifact === undefined) {
      artifact = await deps.build(plan.service, plan.environment);
      artifacts.set(plan.service, artifact);
    }
    built.push({ service: plan.service, environment: plan.environment, digest: artifact.digest });
    result.push({ ...plan, content: deps.withArtifact(plan, artifact.digest) });
  }
  return { planned: result, built };
}
