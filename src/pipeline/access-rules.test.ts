import { describe, expect, it } from 'vitest';
import type { Caller } from '../core/access.js';
import { SkiffError } from '../core/errors.js';
import type { PipelineStageSpec } from '../spec/schema.js';
import { gatedEnvironments } from '../spec/pipeline-access.js';
import { checkApproval, checkStart } from './access-rules.js';
import { newRun, type PipelineRun } from './run.js';

const stages: PipelineStageSpec[] = [
  { kind: 'build', name: 'build' },
  { kind: 'deploy', name: 'deploy-dev', environment: 'dev' },
  { kind: 'check', name: 'smoke', command: ['true'], environment: 'dev', timeoutMs: 1000 },
  { kind: 'promote', name: 'promote-staging', from: 'dev', to: 'staging' },
  { kind: 'approval', name: 'qa' },
  { kind: 'promote', name: 'promote-production', from: 'staging', to: 'production' },
  { kind: 'approval', name: 'go-live', role: 'admin', distinctFrom: 'starter' },
  { kind: 'deploy', name: 'deploy-eu', environment: 'eu' },
];

const run: PipelineRun = { ...newRun({ pipeline: 'release', service: 'web', author: 'ana', stages, now: 0 }), id: 7 };
const caller = (name: string, role: Caller['role'], environments: string[] | null = null): Caller => ({ name, role, environments });

function refusal(action: () => void): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SkiffError);
    expect((error as SkiffError).code).toBe('SKIFF_FORBIDDEN');
    return (error as SkiffError).message;
  }
  return 'allowed';
}

describe('the environments a start or an approval lets a run deploy to', () => {
  it('are the deploy and promote targets up to the next approval', () => {
    expect(gatedEnvironments(stages, -1)).toEqual(['dev', 'staging']);
    expect(gatedEnvironments(stages, 4)).toEqual(['production']);
    expect(gatedEnvironments(stages, 6)).toEqual(['eu']);
    expect(gatedEnvironments([{ kind: 'build', name: 'build' }], -1)).toEqual([]);
  });
});

describe('starting a run', () => {
  it.each([
    [caller('ana', 'admin'), 'allowed'],
    [caller('ana', 'deployer'), 'allowed'],
    [caller('ana', 'deployer', ['dev', 'staging']), 'allowed'],
    [caller('ana', 'deployer', ['dev']), 'a run of pipeline release deploys to staging before any approval; ana is a deployer (dev) and may not deploy there'],
    [caller('ana', 'viewer'), 'a run of pipeline release deploys to dev, staging before any approval; ana is a viewer and may not deploy there'],
  ])('%o: %s', (who, expected) => {
    expect(refusal(() => checkStart('release', stages, who))).toBe(expected);
  });
});

describe('approving a stage', () => {
  it.each([
    ['qa', caller('bo', 'deployer', ['production']), 'allowed'],
    ['qa', caller('ana', 'deployer', ['production']), 'allowed'],
    ['qa', caller('bo', 'deployer', ['staging']), 'approving qa of run 7 lets the run deploy to production; bo is a deployer (staging) and may not deploy there'],
    ['qa', caller('bo', 'viewer'), 'approving qa of run 7 needs the deployer role; bo is a viewer'],
    ['go-live', caller('bo', 'admin'), 'allowed'],
    ['go-live', caller('bo', 'deployer'), 'approving go-live of run 7 needs the admin role; bo is a deployer (every environment)'],
    ['go-live', caller('ana', 'admin'), 'go-live of run 7 must be approved by someone other than ana, who started the run'],
  ])('%s by %o: %s', (stage, who, expected) => {
    expect(refusal(() => checkApproval(run, stage, who))).toBe(expected);
  });

  it('a stage from a run saved before roles existed needs a deployer', () => {
    const old: PipelineRun = { ...run, stages: run.stages.map((stage) => (stage.name === 'go-live' ? { ...stage, spec: { kind: 'approval', name: 'go-live' } } : stage)) };
    expect(refusal(() => checkApproval(old, 'go-live', caller('ana', 'deployer')))).toBe('allowed');
  });
});
