/**
 * Revisions as a timeline: what an apply would change (plan), which revisions changed an
 * environment (history), and bringing an environment back to a revision (restore).
 */
import type { PlanChange, ReleaseSummary, RestoreResult } from '../api/control-plane.js';
import { SkiffError } from '../core/errors.js';
import { desiredInstances } from '../spec/desired.js';
import { planChanges } from '../spec/plan.js';
import { contentOf } from '../spec/release.js';
import type { PlannedRelease } from '../spec/release-plan.js';
import type { Spec } from '../spec/schema.js';
import type { Revision, StateStore } from '../store/state-store.js';
import type { DesiredState } from './desired-state.js';
import type { ArtifactPort } from './release-operations.js';
import { releaseSummary, revisionSummary } from './summaries.js';

export interface TimeTravelDeps {
  readonly store: StateStore;
  readonly state: DesiredState;
  readonly artifacts: ArtifactPort;
}

export class TimeTravel {
  constructor(private readonly deps: TimeTravelDeps) {}

  plan(next: Spec, baseDir: string, newReleases: readonly PlannedRelease[]): readonly PlanChange[] {
    const latest = this.deps.state.latest();
    return planChanges(latest ? { spec: latest.spec, baseDir: latest.baseDir } : null, { spec: next, baseDir }, newReleases, (environment, service) =>
      this.deps.state.currentRelease(environment, service),
    );
  }

  /** Newest first; with an environment, only the revisions that changed what runs there. */
  revisions(limit: number, environment?: string): readonly Revision[] {
    if (!environment) return this.deps.store.listRevisions(limit);
    const all = this.deps.store.listRevisions(100_000);
    const view = (revision: Revision | undefined): string =>
      JSON.stringify(
        revision
          ? { releases: revision.releases[environment], environment: revision.spec.environments[environment], services: revision.spec.services }
          : null,
      );
    return all.filter((revision, index) => view(revision) !== view(all[index + 1])).slice(0, limit);
  }

  async restore(options: { environment: string; to: string; author: string }): Promise<RestoreResult> {
    const latest = this.deps.state.require();
    this.deps.state.assertEnvironment(options.environment);
    const target = this.findRevision(options.to);
    const { environment } = options;
    if (!Object.hasOwn(target.spec.environments, environment)) {
      throw new SkiffError('SKIFF_NOT_FOUND', `revision ${target.id} has no environment "${environment}"`, { path: 'to' });
    }
    const spec = structuredClone(latest.spec);
    const pointers: Record<string, number> = {};
    const releases: ReleaseSummary[] = [];
    for (const service of Object.keys(spec.services)) {
      const version = target.releases[environment]?.[service];
      const old = version === undefined ? null : this.deps.store.release(environment, service, version);
      if (old && service in target.spec.services) {
        const current = this.deps.state.currentRelease(environment, service);
        let release = current;
        if (!current || current.configHash !== old.configHash) {
          if (old.artifact) await this.deps.artifacts.verify(old.artifact);
          release = this.deps.store.createRelease({ environment, service, content: contentOf(old), author: options.author, reason: 'restore' });
        }
        pointers[service] = (release ?? old).version;
        releases.push(releaseSummary(release ?? old, true));
      }
      const environmentSpec = spec.environments[environment] as Spec['environments'][string];
      if (Object.hasOwn(target.spec.services, service)) {
        environmentSpec.services[service] = {
          ...environmentSpec.services[service],
          instances: desiredInstances(target.spec, environment, service),
        };
      }
    }
    const revision = await this.deps.state.commit(
      spec,
      latest.baseDir,
      { ...latest.releases, [environment]: pointers },
      { author: options.author, message: `restore ${environment} to revision ${target.id}`, sourceFile: latest.sourceFile, sourceHash: latest.sourceHash },
      { environment, trigger: 'restore', author: options.author },
    );
    this.deps.state.event({
      type: 'environment.restored',
      environment,
      actor: options.author,
      message: `${environment} restored to revision ${target.id} (${target.createdAt}) as revision ${revision.id}`,
      data: { revision: revision.id, restored: target.id, releases: releases.map((r) => `${r.service} ${r.version}`) },
    });
    return { revision: revisionSummary(revision), restored: revisionSummary(target), releases };
  }

  /** A revision id, or a time: the last revision at or before it. */
  private findRevision(to: string): Revision {
    const trimmed = to.trim();
    if (/^\d+$/.test(trimmed)) {
      const revision = this.deps.store.revision(Number(trimmed));
      if (revision) return revision;
      throw new SkiffError('SKIFF_NOT_FOUND', `there is no revision ${trimmed}`, { path: 'to', hint: 'see: skiff history' });
    }
    if (Number.isNaN(Date.parse(trimmed))) {
      throw new SkiffError('SKIFF_BAD_REQUEST', `"${to}" is neither a revision id nor a time`, {
        path: 'to',
        hint: 'give a revision number from `skiff history`, or a time like 2026-11-26T10:00:00Z',
      });
    }
    const revision = this.deps.store.revisionAt(trimmed);
    if (revision) return revision;
    throw new SkiffError('SKIFF_NOT_FOUND', `there is no revision at or before ${trimmed}`, { path: 'to', hint: 'see: skiff history' });
  }
}

