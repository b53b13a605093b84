/** The API's views of stored records. */
import type { ReleaseSummary, RevisionSummary } from '../api/control-plane.js';
import { releaseName } from '../spec/release.js';
import type { Release } from '../spec/release.js';
import type { Revision } from '../store/state-store.js';

export function revisionSummary(revision: Revision): RevisionSummary {
  return { id: revision.id, hash: revision.hash, author: revision.author, message: revision.message, createdAt: revision.createdAt, commit: revision.commit };
}

export function releaseSummary(release: Release, current: boolean): ReleaseSummary {
  return {
    environment: release.environment,
    service: release.service,
    version: releaseName(release),
    artifact: release.artifact,
    configHash: release.configHash,
    author: release.author,
    reason: release.reason,
    createdAt: release.createdAt,
    current,
    commit: release.commit ?? null,
  };
}
