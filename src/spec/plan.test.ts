import { describe, expect, it } from 'vitest';
import { planChanges } from './plan.js';
import { specSchema } from './schema.js';

const base = {
  name: 'shop',
  services: { web: { start: 'node w.js', env: { LOG: 'info' } }, api: { start: 'node a.js' } },
  environments: { dev: {}, production: { services: { web: { instances: 3 } } } },
};

describe('planChanges', () => {
  it('lists nothing for the same spec', () => {
    const spec = specSchema.parse(base);
    expect(planChanges({ spec, baseDir: '/s' }, { spec, baseDir: '/s' }, [])).toEqual([]);
  });

  it('shows field changes per environment, added and removed services, and which make new releases', () => {
    const before = specSchema.parse(base);
    const after = specSchema.parse({
      ...base,
      services: { web: { start: 'node w.js', env: { LOG: 'debug' } }, worker: { start: 'node q.js' } },
      environments: { dev: {}, production: { services: { web: { instances: 5 } } } },
    });
    const changes = planChanges({ spec: before, baseDir: '/s' }, { spec: after, baseDir: '/s' }, [
      { environment: 'dev', service: 'web' },
    ]);
    const summary = changes.map((c) => [c.environment, c.service, c.change, c.newRelease, c.fields.map((f) => `${f.field}:${JSON.stringify(f.from)}→${JSON.stringify(f.to)}`)]);
    expect(summary).toContainEqual(['dev', 'web', 'update', true, ['env.LOG:"info"→"debug"']]);
    expect(summary).toContainEqual(['production', 'web', 'update', false, ['instances:3→5', 'env.LOG:"info"→"debug"']]);
    expect(summary.find((c) => c[0] === 'dev' && c[1] === 'api')?.[2]).toBe('remove');
    expect(summary.find((c) => c[0] === 'dev' && c[1] === 'worker')?.[2]).toBe('add');
  });

  it('treats everything as added when nothing was applied before', () => {
    const spec = specSchema.parse(base);
    expect(planChanges(null, { spec, baseDir: '/s' }, []).every((c) => c.change === 'add')).toBe(true);
  });

  it('shows an autoscale change as one field, with the count it starts from', () => {
    const before = specSchema.parse(base);
    const after = specSchema.parse({ ...base, services: { ...base.services, api: { start: 'node a.js', autoscale: { min: 2, max: 6, target: { rps: 50 } } } } });
    const changes = planChanges({ spec: before, baseDir: '/s' }, { spec: after, baseDir: '/s' }, []);
    const api = changes.find((c) => c.environment === 'dev' && c.service === 'api');
    expect(api?.fields.map((f) => f.field)).toEqual(['instances', 'autoscale']);
    expect(api?.fields[1]).toMatchObject({ from: null, to: { min: 2, max: 6, target: { rps: 50 } } });
  });
});
