/**
 * Pipelines started by commits, wired to `skiff up`: the sources module's trigger polls each
 * pipeline's branch and starts runs through the pipeline runner, with the commit's tree to build.
 * A tree is kept while a run has still to build from it; when a build or a run ends, the trees
 * no run needs are removed.
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

const finished = new Set(['succeeded', 'failed', 'skipped']);

export function createCommitPipelines(deps: CommitPipelinesDeps): CommitTriggers {
  const triggers = new CommitTriggers({
    target: {
      spec: () => deps.store.latestRevision()?.spec ?? null,
      startRun: ({ pipeline, service, commit, baseDir }) => {
        // The trigger is part of an applied spec: whoever applied it let its commits run the pipeline.
        const by: Caller = { name: `${commit.author} <${commit.email}>`, role: 'admin', environments: null };
        deps.runner.start({ service, pipeline, by, commit: { sha: commit.sha, author: commit.author, email: commit.email, subject: commit.subject, baseDir } });
      },
      treesInUse: () =>
        new Set(
          deps.runner
            .unfinished()
            .filter((run) => run.commit && run.stages.some((stage) => stage.kind === 'build' && !finished.has(stage.state)))
            .map((run) => run.commit?.sha as string),
        ),
      emit: (event) => deps.controlPlane.emit(event),
      getMeta: (key) => deps.store.getMeta(key),
      setMeta: (key, value) => deps.store.setMeta(key, value),
    },
    dataDir: deps.dataDir,
    exec: createExec(deps.baseEnv),
    clock: deps.clock,
    onError: deps.onError,
  });
  // The runner saves a stage's end before telling it, so a tree is no longer in use once this is heard.
  deps.controlPlane.onEvent((event) => {
    const state = event.data['state'];
    if ((event.type === 'pipeline.stage' || event.type === 'pipeline.run') && typeof state === 'string' && finished.has(state)) triggers.sweep();
  });
  return triggers;
}
