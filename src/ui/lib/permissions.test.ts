/** The dashboard offers an approval exactly when the server's rule would accept it. */
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../core/access.js';
import { checkApproval } from '../../pipeline/access-rules.js';
import { newRun } from '../../pipeline/index.js';
import type { PipelineStageSpec } from '../../spec/schema.js';
import type { PipelineRunView } from '../../api/pipeline-port.js';
import { approvalNeeds, approvalReaches, mayApprove, promoteTargets } from './permissions.js';

const build: PipelineStageSpec = { kind: 'build', name: 'build' };
const deploy = (environment: string): PipelineStageSpec => ({ kind: 'deploy', name: `deploy-${environment}`, environment });
const promote = (from: string, to: string): PipelineStageSpec => ({ kind: 'promote', name: `promote-${to}`, from, to });
const check = (environment: string): PipelineStageSpec => ({ kind: 'check', name: `smoke-${environment}`, command: ['true'], environment, timeoutMs: 1000 });

function run(stages: readonly PipelineStageSpec[], author = 'sam'): PipelineRunView {
  return { id: 7, ...newRun({ pipeline: 'release', service: 'web', author, stages, now: 0 }) };
}

const callers: readonly Caller[] = [
  { name: 'vera', role: 'viewer', environments: null },
  { name: 'dora', role: 'deployer', environments: ['dev'] },
  { name: 'stan', role: 'deployer', environments: ['staging'] },
  { name: 'pat', role: 'deployer', environments: ['staging', 'production'] },
  { name: 'dan', role: 'deployer', environments: null },
  { name: 'sam', role: 'deployer', environments: null },
  { name: 'ana', role: 'admin', environments: null },
  { name: 'sam', role: 'admin', environments: null },
];

const approvals: readonly PipelineStageSpec[] = [
  { kind: 'approval', name: 'go' },
  { kind: 'approval', name: 'go', role: 'admin' },
  { kind: 'approval', name: 'go', distinctFrom: 'starter' },
  { kind: 'approval', name: 'go', role: 'admin', distinctFrom: 'starter' },
];

const shapes: readonly ((approval: PipelineStageSpec) => PipelineStageSpec[])[] = [
  (approval) => [build, approval, deploy('dev')],
  (approval) => [build, deploy('dev'), check('dev'), promote('dev', 'staging'), approval, promote('staging', 'production')],
  (approval) => [build, approval, promote('dev', 'staging'), { kind: 'approval', name: 'later' }, promote('staging', 'production')],
  (approval) => [build, deploy('dev'), approval, check('staging')],
];

describe('mayApprove', () => {
  it('offers an approval exactly when the server accepts it, for every caller, approval kind and pipeline shape', () => {
    let offered = 0;
    let refused = 0;
    for (const shape of shapes) {
      for (const approval of approvals) {
        const view = run(shape(approval));
        const stage = view.stages.find((s) => s.name === 'go')!;
        for (const caller of callers) {
          let serverAllows = true;
          try {
            checkApproval(view, 'go', caller);
          } catch {
            serverAllows = false;
          }
          expect({ caller, stages: view.stages.map((s) => s.name), spec: stage.spec, offered: mayApprove(caller, view, stage) }).toEqual({
            caller,
            stages: view.stages.map((s) => s.name),
            spec: stage.spec,
            offered: serverAllows,
          });
          if (serverAllows) offered += 1;
          else refused += 1;
        }
      }
    }
    // Both answers occur: the comparison is not vacuous.
    expect(offered).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });

  it('names the environments an approval releases, up to the next approval', () => {
    const view = run([build, { kind: 'approval', name: 'go' }, promote('dev', 'staging'), check('staging'), { kind: 'approval', name: 'later' }, deploy('production')]);
    expect(approvalReaches(view, view.stages[1]!)).toEqual(['staging']);
    expect(approvalReaches(view, view.stages[4]!)).toEqual(['production']);
  });

  it('says who may approve', () => {
    const view = run([build, { kind: 'approval', name: 'go', distinctFrom: 'starter' }, deploy('dev')]);
    expect(approvalNeeds(view, view.stages[1]!)).toBe('someone who may deploy to dev other than sam');
    const admin = run([build, { kind: 'approval', name: 'go', role: 'admin' }]);
    expect(approvalNeeds(admin, admin.stages[1]!)).toBe('an admin');
  });
});

describe('promoteTargets', () => {
  const environments = ['dev', 'staging', 'production'];
  it('offers only the other environments the person may deploy to', () => {
    expect(promoteTargets({ role: 'admin', environments: null }, environments, 'dev')).toEqual(['staging', 'production']);
    expect(promoteTargets({ role: 'deployer', environments: ['staging'] }, environments, 'dev')).toEqual(['staging']);
    expect(promoteTargets({ role: 'deployer', environments: ['dev'] }, environments, 'dev')).toEqual([]);
    expect(promoteTargets({ role: 'viewer', environments: null }, environments, 'dev')).toEqual([]);
  });
});
