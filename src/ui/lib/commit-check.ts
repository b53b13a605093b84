/** How the pipelines page marks the commit a run was started for: red when one of its checks failed. */
import type { PipelineRunView } from '../../api/pipeline-port.js';

/** `failed`: a check stage failed; `passed`: the run succeeded; `pending`: still under way; `none`: failed before any check. */
export type CommitCheck = 'failed' | 'passed' | 'pending' | 'none';

export function commitCheck(run: Pick<PipelineRunView, 'state' | 'stages'>): CommitCheck {
  if (run.stages.some((stage) => stage.kind === 'check' && stage.state === 'failed')) return 'failed';
  switch (run.state) {
    case 'succeeded':
      return 'passed';
    case 'failed':
      return 'none';
    case 'running':
    case 'waiting':
      return 'pending';
  }
}

/** The first characters of a SHA, as git shows it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
