import { describe, expect, it } from 'vitest';
import { parseSpec } from '../spec/parse.js';
import type { Spec } from '../spec/schema.js';
import { planBranchPreviews } from './branch-preview-plan.js';
import type { BranchPreview } from './branch-preview-plan.js';
import { branchRepositories } from './branch-repositories.js';
import { previewNameForBranch } from './preview-names.js';

function spec(text: string): Spec {
  const parsed = parseSpec(text, 'skiff.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const shop = spec(`name: shop
services:
  web: { start: [node, web.js] }
  api: { start: [node, api.js] }
environments:
  dev:
    source: { git: /srv/shop.git, path: deploy/skiff.yaml, interval: 5s }
    previews: { branches: "feature/*", ttl: 24h }
  staging: {}
`);

const heads = (branches: Record<string, string>): Map<string, Map<string, string>> => new Map([['/srv/shop.git', new Map(Object.entries(branches))]]);
const preview = (name: string, branch: string, tips: Record<string, string>, automatic = true): BranchPreview => ({ name, from: 'dev', branch, automatic, tips });

describe('branch previews plan', () => {
  it('creates a preview for each branch matching the glob, none for the followed branch or one not matching', () => {
    const actions = planBranchPreviews({ spec: shop, previews: [], heads: heads({ main: 'a1', 'feature/login': 'b1', 'feature/deep/x': 'c1', 'fix/typo': 'd1' }) });
    expect(actions).toEqual([{ kind: 'create', name: 'feature-login', from: 'dev', branch: 'feature/login', commit: 'b1', instances: 1, ttl: 86_400_000 }]);
  });

  it('makes no preview again for a branch whose preview expired, until the branch moves', () => {
    const expiredAt = (from: string, branch: string): string[] => (from === 'dev' && branch === 'feature/login' ? ['b1'] : []);
    expect(planBranchPreviews({ spec: shop, previews: [], heads: heads({ 'feature/login': 'b1' }), expiredAt })).toEqual([]);
    expect(planBranchPreviews({ spec: shop, previews: [], heads: heads({ 'feature/login': 'b2' }), expiredAt }).map((action) => action.kind)).toEqual(['create']);
  });

  it('decides nothing for an environment that has not synced its source yet', () => {
    expect(planBranchPreviews({ spec: shop, previews: [], heads: heads({ 'feature/login': 'b1' }), synced: () => false })).toEqual([]);
  });

  it('deletes the automatic preview of a deleted branch, never a preview made by hand', () => {
    const previews = [preview('feature-login', 'feature/login', { '/srv/shop.git': 'b1' }), preview('mine', 'feature/old', { '/srv/shop.git': 'e1' }, false)];
    expect(planBranchPreviews({ spec: shop, previews, heads: heads({ main: 'a1' }) })).toEqual([{ kind: 'delete', name: 'feature-login', from: 'dev', branch: 'feature/login' }]);
  });

  it('redeploys a preview whose branch moved, and does nothing for a repository not fetched', () => {
    const previews = [preview('feature-login', 'feature/login', { '/srv/shop.git': 'b1' })];
    expect(planBranchPreviews({ spec: shop, previews, heads: heads({ main: 'a1', 'feature/login': 'b1' }) })).toEqual([]);
    expect(planBranchPreviews({ spec: shop, previews, heads: heads({ main: 'a1', 'feature/login': 'b2' }) })).toEqual([
      { kind: 'redeploy', name: 'feature-login', from: 'dev', branch: 'feature/login', tips: { '/srv/shop.git': 'b2' } },
    ]);
    expect(planBranchPreviews({ spec: shop, previews, heads: new Map() })).toEqual([]);
  });

  it('names a preview so it never takes an existing environment', () => {
    const taken = new Set(Object.keys(shop.environments));
    const actions = planBranchPreviews({ spec: { ...shop, environments: { ...shop.environments, 'feature-login': { provider: 'local', services: {} } } }, previews: [], heads: heads({ 'feature/login': 'b1', 'feature/Login': 'b2' }) });
    expect(actions.map((action) => action.name)).toEqual(['feature-login-2', 'feature-login-3']);
    expect(previewNameForBranch('feature/Login_Page', taken)).toBe('feature-login-page');
    expect(previewNameForBranch('42-fix', taken)).toBe('branch-42-fix');
    expect(previewNameForBranch(`feature/${'x'.repeat(80)}`, taken)).toMatch(/^[a-z][a-z0-9-]{0,62}$/);
  });
});

describe('branch repositories', () => {
  it("takes a service's repository from a pipeline's git trigger, else from the environment's source", () => {
    const mono = spec(`name: mono
services:
  web: { path: web, start: [node, web.js] }
  api: { path: api, start: [node, api.js] }
environments:
  dev: { source: { git: /srv/deploy.git, path: deploy/skiff.yaml } }
  staging: {}
pipelines:
  ci:
    services: [api]
    trigger: { git: { repo: /srv/api.git, paths: ['api/**'], specDir: ops } }
    stages: [build]
`);
    expect(branchRepositories(mono, 'dev')).toEqual({
      web: { repo: '/srv/deploy.git', specDir: 'deploy', interval: 30_000 },
      api: { repo: '/srv/api.git', specDir: 'ops', interval: 30_000 },
    });
    expect(branchRepositories(mono, 'staging')).toEqual({ api: { repo: '/srv/api.git', specDir: 'ops', interval: 30_000 } });
  });
});

describe('previews: in the spec', () => {
  it('needs a source, and says so at its path', () => {
    const parsed = parseSpec(`name: shop
services:
  web: { start: [node, web.js] }
environments:
  dev:
    previews: { branches: "feature/*" }
`, 'skiff.yaml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors[0]).toMatchObject({ path: 'environments.dev.previews', message: expect.stringContaining('need a `source:`'), hint: expect.stringContaining('source: { git: URL') });
  });
});
