/**
 * Branch previews wired to `skiff up`: branches read from mirrors under the data directory, built
 * through the control plane's build (the commit-started pipelines' one) and deployed through its
 * deploy; the watcher's actions are done by the preview operations, as the source environment,
 * each in the events and the audit log.
 */
import path from 'node:path';
import type { AuditPort } from '../api/access-port.js';
import type { Clock } from '../core/clock.js';
import { isSkiffError } from '../core/errors.js';
import { httpStatusFor } from '../api/http-status.js';
import { BranchCheckouts, BranchPreviews, createExec, sourceSyncedKey } from '../sources/index.js';
import type { BranchPreview, BranchPreviewAction } from '../sources/index.js';
import type { StateStore } from '../store/state-store.js';
import type { PreviewBranchPorts, PreviewOperations } from './preview-operations.js';
import { expiredBranchKey, previewTipsKey } from './preview-operations.js';
import type { SkiffControlPlane } from './skiff-control-plane.js';

export interface BranchBuildWiringDeps {
  readonly controlPlane: SkiffControlPlane;
  readonly dataDir: string;
  /** PATH and HOME for git (the user's credentials and ssh keys). */
  readonly baseEnv: Readonly<Record<string, string>>;
}

/** What PreviewOperations needs to make and redeploy previews of branches. */
export function branchBuildPorts(deps: BranchBuildWiringDeps): PreviewBranchPorts & { readonly checkouts: BranchCheckouts } {
  const checkouts = new BranchCheckouts(path.join(deps.dataDir, 'sources', 'branches'), createExec(deps.baseEnv));
  return {
    checkouts,
    tip: (repo, branch) => checkouts.tip(repo, branch),
    build: (options) => deps.controlPlane.build(options),
    deploy: (options) => deps.controlPlane.deploy(options),
  };
}

export interface BranchPreviewWiringDeps {
  readonly controlPlane: SkiffControlPlane;
  readonly store: StateStore;
  readonly previews: PreviewOperations;
  readonly checkouts: BranchCheckouts;
  readonly audit: AuditPort;
  readonly clock: Clock;
  readonly onError: (error: unknown) => void;
}

export function createBranchPreviews(deps: BranchPreviewWiringDeps): BranchPreviews {
  const { previews, store } = deps;
  const audited = async (action: BranchPreviewAction, work: () => Promise<unknown>): Promise<void> => {
    const [method, summary] = auditLine(action);
    const entry = { actor: actorOf(action), role: 'source', method, route: '/api/v1/previews', params: { name: action.name }, summary, address: 'git' };
    try {
      await work();
      deps.audit.append({ ...entry, status: action.kind === 'create' ? 201 : 200, code: null });
    } catch (error) {
      const code = isSkiffError(error) ? error.code : null;
      deps.audit.append({ ...entry, status: code === null ? 500 : httpStatusFor(code), code });
      throw error;
    }
  };
  return new BranchPreviews({
    target: {
      spec: () => store.latestRevision()?.spec ?? null,
      previews: () => branchPreviewsOf(deps),
      synced: (environment) => store.getMeta(sourceSyncedKey(environment)) !== null,
      expiredAt: (from, branch) => Object.values(parseTips(store.getMeta(expiredBranchKey(from, branch)))),
      apply: (action) => {
        switch (action.kind) {
          case 'create':
            return audited(action, () =>
              previews.create({
                name: action.name,
                from: action.from,
                branch: action.branch,
                instances: action.instances,
                ...(action.ttl !== undefined ? { ttl: `${action.ttl}ms` } : {}),
                author: actorOf(action),
                automatic: true,
              }),
            );
          case 'delete':
            return audited(action, () => previews.delete({ name: action.name, author: actorOf(action), why: `branch ${action.branch} was deleted` }));
          case 'redeploy':
            return audited(action, () => previews.redeploy({ name: action.name }));
        }
      },
      emit: (event) => deps.controlPlane.emit(event),
    },
    checkouts: deps.checkouts,
    clock: deps.clock,
    onError: deps.onError,
  });
}

/** Who does what the watcher decides: the environment whose source (or preview) it is. */
function actorOf(action: BranchPreviewAction): string {
  return `source:${action.from}`;
}

function auditLine(action: BranchPreviewAction): [method: string, summary: string] {
  switch (action.kind) {
    case 'create':
      return ['POST', `create preview ${action.name} from ${action.from} for new branch ${action.branch}`];
    case 'delete':
      return ['DELETE', `delete preview ${action.name}: branch ${action.branch} was deleted`];
    case 'redeploy':
      return ['POST', `redeploy preview ${action.name}: branch ${action.branch} moved`];
  }
}

function branchPreviewsOf(deps: BranchPreviewWiringDeps): BranchPreview[] {
  const environments = deps.store.latestRevision()?.spec.environments ?? {};
  return Object.entries(environments).flatMap(([name, environment]) => {
    const preview = environment.preview;
    if (preview?.branch === undefined) return [];
    return [{ name, from: preview.from, branch: preview.branch, automatic: preview.automatic ?? false, tips: parseTips(deps.store.getMeta(previewTipsKey(name))) }];
  });
}

function parseTips(raw: string | null): Record<string, string> {
  return raw === null ? {} : (JSON.parse(raw) as Record<string, string>);
}
