/**
 * What the dashboard offers a person, from the one rule the API enforces (`allows` in core/access):
 * an action that would be refused is not shown at all.
 */
import { allows, type Caller, type Grant } from '../../core/access.js';
import type { PipelineRunView, PipelineStageView } from '../../api/pipeline-port.js';
import { approvalRefusal, gatedEnvironments } from '../../spec/pipeline-access.js';

/** The environments a service may be promoted to from `from` by this person. */
export function promoteTargets(grant: Grant, environments: readonly string[], from: string): readonly string[] {
  return environments.filter((environment) => environment !== from && allows(grant, 'deploy', environment));
}

/** The environments an approval lets the run change: those of its stages up to the next approval. */
export function approvalReaches(run: PipelineRunView, stage: PipelineStageView): readonly string[] {
  return gatedEnvironments(
    run.stages.map((s) => s.spec),
    run.stages.indexOf(stage),
  );
}

/** Whether the server would accept this person's approval of the stage (spec/pipeline-access). */
export function mayApprove(caller: Caller, run: PipelineRunView, stage: PipelineStageView): boolean {
  if (stage.spec.kind !== 'approval') return false;
  const specs = run.stages.map((s) => s.spec);
  return approvalRefusal({ id: run.id, author: run.author, stages: specs }, run.stages.indexOf(stage), caller) === null;
}

/** Who may approve the stage, in words, for those who may not. */
export function approvalNeeds(run: PipelineRunView, stage: PipelineStageView): string {
  const spec = stage.spec;
  const environments = approvalReaches(run, stage);
  const role = spec.kind === 'approval' ? (spec.role ?? 'deployer') : 'deployer';
  const who =
    role === 'admin' ? 'an admin' : environments.length > 0 ? `someone who may deploy to ${environments.join(', ')}` : 'a deployer or admin';
  return spec.kind === 'approval' && spec.distinctFrom === 'starter' ? `${who} other than ${run.author}` : who;
}
