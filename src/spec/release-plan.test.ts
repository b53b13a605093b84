import { describe, expect, it } from 'vitest';
import { releaseHash } from './release.js';
import type { Release, ReleaseContent } from './release.js';
import { planReleasesForApply } from './release-plan.js';
import { specSchema } from './schema.js';

const spec = (devGreeting: string) =>
  specSchema.parse({
    name: 'shop',
    services: { web: { path: 'web', start: 'node s.js', env: { GREETING: 'hi' } }, api: { start: 'node a.js' } },
    environments: { dev: { services: { web: { env: { GREETING: devGreeting } } } }, production: {} },
  });

function release(environment: string, service: string, content: ReleaseContent, version = 1): Release {
  return { ...content, environment, service, version, configHash: releaseHash(content), author: 'a', reason: 'deploy', createdAt: '' };
}

describe('planReleasesForApply', () => {
  it('runs undeployed services from source in the source environment only', () => {
    const planned = planReleasesForApply({ spec: spec('hey'), baseDir: '/srv', current: () => null, sourceEnvironment: 'dev' });
    expect(planned.map((p) => [p.environment, p.service, p.reason, p.content.artifact, p.content.sourceDirectory])).toEqual([
      ['dev', 'web', 'source', null, '/srv/web'],
      ['dev', 'api', 'source', null, '/srv'],
    ]);
    expect(planned[0]!.content.env).toEqual({ GREETING: 'hey' });
  });

  it('makes a config release that keeps the artifact when the environment config changes, and nothing otherwise', () => {
    const deployed = release('production', 'web', {
      artifact: 'sha256:aa', sourceDirectory: null, driver: 'process', command: ['node', 's.js'], env: { GREETING: 'hi' }, secrets: {}, resources: {},
    });
    const current = (env: string, service: string) => (env === 'production' && service === 'web' ? deployed : null);
    expect(planReleasesForApply({ spec: spec('hey'), baseDir: '/srv', current, sourceEnvironment: 'none' })).toEqual([]);
    const changed = specSchema.parse({ ...spec('hey'), environments: { dev: {}, production: { services: { web: { env: { GREETING: 'hello' } } } } } });
    const planned = planReleasesForApply({ spec: changed, baseDir: '/srv', current, sourceEnvironment: 'none' });
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({ environment: 'production', service: 'web', reason: 'config', content: { artifact: 'sha256:aa', sourceDirectory: null, env: { GREETING: 'hello' } } });
  });
});
