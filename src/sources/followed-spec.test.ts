import { describe, expect, it } from 'vitest';
import { parseSpec } from '../spec/parse.js';
import type { Spec } from '../spec/schema.js';
import { environmentDrift } from './drift.js';
import { followedSpec } from './followed-spec.js';

function spec(text: string): Spec {
  const parsed = parseSpec(text, 'skiff.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

const current = spec(`name: shop
services:
  web: { start: [node, web.js] }
  api: { start: [node, api.js] }
environments:
  dev:
    services: { api: { instances: 2 } }
    source: { git: /srv/shop.git, drift: revert }
  staging: {}
`);
const source = current.environments.dev?.source as NonNullable<Spec['environments'][string]['source']>;
const commit = spec(`name: shop
services:
  web: { start: [node, web.js], instances: 3 }
environments:
  dev: {}
`);

describe('followedSpec', () => {
  it("takes the commit's file, keeps the source that made the environment follow, and the environments the file lacks", () => {
    const followed = followedSpec({ current, commit, environment: 'dev', source });
    if (!followed.ok) throw followed.error;
    expect(followed.spec.services.web?.instances).toBe(3);
    expect(followed.spec.environments.dev?.source).toEqual(source);
    expect(Object.keys(followed.spec.environments)).toEqual(['dev', 'staging']);
  });

  it("keeps the environment's previews: unless the file sets its own", () => {
    const withPreviews = structuredClone(current);
    (withPreviews.environments.dev as Spec['environments'][string]).previews = { branches: 'feature/*', instances: 1 };
    const kept = followedSpec({ current: withPreviews, commit, environment: 'dev', source });
    if (!kept.ok) throw kept.error;
    expect(kept.spec.environments.dev?.previews).toEqual({ branches: 'feature/*', instances: 1 });
    const own = spec('name: shop\nservices:\n  web: { start: [node, web.js] }\nenvironments:\n  dev:\n    source: { git: /srv/shop.git }\n    previews: { branches: "review/*" }\n');
    const replaced = followedSpec({ current: withPreviews, commit: own, environment: 'dev', source });
    if (!replaced.ok) throw replaced.error;
    expect(replaced.spec.environments.dev?.previews?.branches).toBe('review/*');
  });

  it('keeps a service the file dropped, with its overrides, unless prune is on', () => {
    const kept = followedSpec({ current, commit, environment: 'dev', source });
    if (!kept.ok) throw kept.error;
    expect(Object.keys(kept.spec.services).sort()).toEqual(['api', 'web']);
    expect(kept.spec.environments.dev?.services.api).toEqual({ instances: 2 });
    expect(kept.pruned).toEqual([]);

    const pruned = followedSpec({ current, commit, environment: 'dev', source: { ...source, prune: true } });
    if (!pruned.ok) throw pruned.error;
    expect(Object.keys(pruned.spec.services)).toEqual(['web']);
    expect(pruned.spec.environments.dev?.services).toEqual({});
    expect(pruned.pruned).toEqual(['api']);
  });

  it('refuses a file with no service at all unless prune and allowEmpty', () => {
    const empty = spec('name: shop\nservices: {}\n');
    const refused = followedSpec({ current, commit: empty, environment: 'dev', source: { ...source, prune: true } });
    expect(refused.ok ? null : refused.error.code).toBe('SKIFF_SOURCE_EMPTY');
    expect(followedSpec({ current, commit: empty, environment: 'dev', source: { ...source, prune: true, allowEmpty: true } }).ok).toBe(true);
  });
});

describe('environmentDrift', () => {
  it('lists a scale by hand and a release deployed by hand in the environment, and nothing of another', () => {
    const followed = followedSpec({ current, commit, environment: 'dev', source });
    if (!followed.ok) throw followed.error;
    const applied = structuredClone(followed.spec);
    (applied.environments.dev as Spec['environments'][string]).services.web = { instances: 5 };
    (applied.environments.staging as Spec['environments'][string]).services.web = { instances: 9 };
    const drift = environmentDrift({
      environment: 'dev',
      applied: { spec: applied, baseDir: '/tree' },
      expected: { spec: followed.spec, baseDir: '/tree' },
      appliedReleases: { web: 4, api: 1 },
      syncedReleases: { web: 3, api: 1 },
    });
    expect(drift).toEqual([
      { service: 'web', change: 'update', field: 'instances', applied: 5, commit: 3 },
      { service: 'web', change: 'update', field: 'release', applied: 'v4', commit: 'v3' },
    ]);
  });
});
