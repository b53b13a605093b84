/**
 * Pipelines started by commits, wired to `skiff up`: the sources module's trigger polls each
 * pipeline's branch and starts runs through the pipeline runner, with the commit's tree to build.
 */
import type { Caller } from '../core/access.js';
import type { Clock } from '../core/clock.js';
import type { PipelineRunner } from '../pipeline/runner.js';
import { CommitTriggers, createExec } from '../sources/index.js';
import type { StateStore } from '../store/state-store.js';
import type { SkiffControlPlane } from './skiff-control-plane.js';

export interface CommitPipelinesDeps {
  readonly controlPlane: SkiffControlPlane;
  readonly store: StateStore;
  readonly runner: PipelineRunner;
  readonly dataDir: string;
  /** PATH and HOME for git (the user's credentials and ssh keys). */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly onError: (pipeline: string, error: unknown) => void;
}

export function createCommitPipelines(deps: CommitPipelinesDeps): CommitTriggers {
  return new CommitTriggers({
    target: {
      spec: () => deps.store.latestRevision()?.spec ?? null,
      startRun: ({ pipeline, service, commit, baseDir }) => {
        // The trigger is part of an applied spec: whoever applied it let its commits run the pipeline.
        const by: Caller = { name: `${commit.author} <${commit.email}>`, role: 'admin', environments: null };
        deps.runner.start({ service, pipeline, by, commit: { sha: commit.sha, author: commit.author, email: commit.email, subject: commit.subject, baseDir } });
      },
      emit: (event) => deps.controlPlane.emit(event),
      getMeta: (key) => deps.store.getMeta(key),
      setMeta: (key, value) => deps.store.setMeta(key, value),
    },
    dataDir: deps.dataDir,
    exec: createExec(deps.baseEnv),
    clock: deps.clock,
    onError: deps.onError,
  });
}
