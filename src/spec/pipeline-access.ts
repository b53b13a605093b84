/**
 * Who may start a pipeline run and approve its stages, pure, for the server (which refuses) and
 * the dashboard (which offers only what would be accepted). A run acts with the authority of the
 * person who started it until its first approval, and of each approver after that approval until
 * the next one: so starting needs deploy in every environment the stages before the first
 * approval change, and approving needs the stage's role (deployer unless it says admin), deploy in
 * every environment the stages up to the next approval change, and, with `distinctFrom: starter`,
 * another person than the one who started the run.
 */
import { allows, describeGrant, roleAtLeast, type Caller } from '../core/access.js';
import type { PipelineStageSpec } from './schema.js';

export interface Refusal {
  readonly message: string;
  readonly hint: string;
}

/** The environment a stage deploys or promotes to, if it changes one. */
export function changedEnvironment(stage: PipelineStageSpec): string | undefined {
  return stage.kind === 'deploy' ? stage.environment : stage.kind === 'promote' ? stage.to : undefined;
}

/** The environments the stages after `index` (up to the next approval) change. */
export function gatedEnvironments(stages: readonly PipelineStageSpec[], index: number): string[] {
  const environments: string[] = [];
  for (const stage of stages.slice(index + 1)) {
    if (stage.kind === 'approval') break;
    const target = changedEnvironment(stage);
    if (target !== undefined && !environments.includes(target)) environments.push(target);
  }
  return environments;
}

/** Why the caller may not start a run of these stages, or null when they may. */
export function startRefusal(pipeline: string, stages: readonly PipelineStageSpec[], starter: Caller): Refusal | null {
  const denied = gatedEnvironments(stages, -1).filter((environment) => !allows(starter, 'deploy', environment));
  if (denied.length === 0) return null;
  return {
    message: `a run of pipeline ${pipeline} deploys to ${denied.join(', ')} before any approval; ${starter.name} is ${describeGrant(starter)} and may not deploy there`,
    hint: `ask someone who may deploy to ${denied.join(', ')} to start it, or an admin for such a token`,
  };
}

/** Why the caller may not approve stage `index` of a run `starter` started, or null when they may. */
export function approvalRefusal(
  run: { readonly id: number; readonly author: string; readonly stages: readonly PipelineStageSpec[] },
  index: number,
  approver: Caller,
): Refusal | null {
  const stage = run.stages[index];
  if (!stage || stage.kind !== 'approval') return null;
  const where = `${stage.name} of run ${run.id}`;
  const role = stage.role ?? 'deployer';
  if (!roleAtLeast(approver.role, role)) {
    return { message: `approving ${where} needs the ${role} role; ${approver.name} is ${describeGrant(approver)}`, hint: `ask someone with the ${role} role to approve it` };
  }
  if (stage.distinctFrom === 'starter' && approver.name === run.author) {
    return { message: `${where} must be approved by someone other than ${run.author}, who started the run`, hint: 'ask another person to approve it' };
  }
  const denied = gatedEnvironments(run.stages, index).filter((environment) => !allows(approver, 'deploy', environment));
  if (denied.length === 0) return null;
  return {
    message: `approving ${where} lets the run deploy to ${denied.join(', ')}; ${approver.name} is ${describeGrant(approver)} and may not deploy there`,
    hint: `ask someone who may deploy to ${denied.join(', ')} to approve it`,
  };
}
