/** The `pipelines:` key of skiff.yaml as the parser reads it: stage kinds, defaults and clear errors. */
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../spec/parse.js';

const head = `name: shop
services:
  web: { start: [node, web.mjs] }
  api: { start: [node, api.mjs] }
environments:
  dev: {}
  staging: {}
`;

function parse(pipelines: string) {
  return parseSpec(`${head}pipelines:\n${pipelines}`, 'skiff.yaml');
}

describe('pipelines in the spec', () => {
  it('reads every stage kind into a typed stage with a name', () => {
    const parsed = parse(`  release:
    services: [web]
    stages:
      - build
      - deploy: dev
      - check: { name: smoke, command: node checks/smoke.mjs, environment: dev, timeout: 30s }
      - promote: { from: dev, to: staging }
      - approval: { name: go-live }
`);
    expect(parsed.ok && parsed.spec.pipelines['release']).toEqual({
      services: ['web'],
      stages: [
        { kind: 'build', name: 'build' },
        { kind: 'deploy', name: 'deploy-dev', environment: 'dev', timeoutMs: 60_000 },
        { kind: 'check', name: 'smoke', command: ['node', 'checks/smoke.mjs'], environment: 'dev', timeoutMs: 30_000 },
        { kind: 'promote', name: 'promote-staging', from: 'dev', to: 'staging', timeoutMs: 60_000 },
        { kind: 'approval', name: 'go-live' },
      ],
    });
  });

  it('gives deploy and promote stages the pipeline rollout timeout', () => {
    const parsed = parse(`  release:
    rolloutTimeout: 15m
    stages:
      - deploy: dev
      - promote: { from: dev, to: staging }
`);
    expect(parsed.ok && parsed.spec.pipelines['release']?.stages.map((stage) => ('timeoutMs' in stage ? stage.timeoutMs : null))).toEqual([
      900_000, 900_000,
    ]);
  });

  it('reads who may approve: a role and another person than the starter', () => {
    const parsed = parse(`  release:
    stages:
      - approval: { name: go-live, role: admin, distinctFrom: starter }
`);
    expect(parsed.ok && parsed.spec.pipelines['release']?.stages).toEqual([{ kind: 'approval', name: 'go-live', role: 'admin', distinctFrom: 'starter' }]);
    const wrong = parse(`  release:
    stages:
      - approval: { name: go-live, role: viewer, distinctFrom: me }
`);
    expect(wrong.ok).toBe(false);
    if (wrong.ok) return;
    expect(wrong.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['pipelines.release.stages.0.approval.role', 'pipelines.release.stages.0.approval.distinctFrom']),
    );
  });

  it('has no pipelines unless written', () => {
    const parsed = parseSpec(head, 'skiff.yaml');
    expect(parsed.ok && parsed.spec.pipelines).toEqual({});
  });

  it.each([
    ['an unknown stage word', '      - deploy\n', 'pipelines.release.stages.0', 'SKIFF_SPEC_INVALID_VALUE'],
    ['an unknown stage key', '      - deplyo: dev\n', 'pipelines.release.stages.0.deplyo', 'SKIFF_SPEC_UNKNOWN_KEY'],
    ['two kinds in one stage', '      - { deploy: dev, approval: { name: ok } }\n', 'pipelines.release.stages.0', 'SKIFF_SPEC_INVALID_VALUE'],
    ['a check without a command', '      - check: { name: smoke, environment: dev }\n', 'pipelines.release.stages.0.check.command', 'SKIFF_SPEC_MISSING_KEY'],
    ['an unknown environment', '      - deploy: moon\n', 'pipelines.release.stages.0.deploy', 'SKIFF_SPEC_INVALID_VALUE'],
    ['an unknown promote target', '      - promote: { from: dev, to: prod }\n', 'pipelines.release.stages.0.promote.to', 'SKIFF_SPEC_INVALID_VALUE'],
    ['two stages with one name', '      - approval: { name: ok }\n      - approval: { name: ok }\n', 'pipelines.release.stages.1', 'SKIFF_SPEC_INVALID_VALUE'],
  ])('reports %s at its path', (_what, stages, path, code) => {
    const parsed = parse(`  release:\n    stages:\n${stages}`);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => [e.path, e.code])).toContainEqual([path, code]);
    expect(parsed.errors.every((e) => e.position !== undefined)).toBe(true);
  });

  it('reports a pipeline naming an unknown service', () => {
    const parsed = parse('  release:\n    services: [wbe]\n    stages: [build]\n');
    expect(!parsed.ok && parsed.errors.map((e) => e.path)).toEqual(['pipelines.release.services.0']);
  });
});
