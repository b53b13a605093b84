import { describe, expect, it } from 'vitest';
import { resolveEnvironment } from './desired.js';
import { parseSpec } from './parse.js';

function spec(release: string): string {
  return ['name: shop', 'services:', '  web:', '    start: node server.js', release, 'environments:', '  dev: {}', ''].filter((line) => line !== '').join('\n');
}

describe('release commands in the spec', () => {
  it('reach the desired state with a default timeout of 5m; a service without one has none', () => {
    const parsed = parseSpec(spec('    release: { command: node migrate.mjs --up }'), 'skiff.yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(resolveEnvironment(parsed.spec, 'dev', {}).services[0]?.releaseCommand).toEqual({ command: ['node', 'migrate.mjs', '--up'], timeout: 300_000 });
    const bare = parseSpec(spec(''), 'skiff.yaml');
    if (!bare.ok) throw new Error(JSON.stringify(bare.errors));
    expect(resolveEnvironment(bare.spec, 'dev', {}).services[0]?.releaseCommand).toBeNull();
  });

  it('reports a missing command, a bad timeout and an unknown key at their positions', () => {
    const parsed = parseSpec(spec('    release:\n      timeout: soon\n      retries: 2'), 'skiff.yaml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const summary = parsed.errors.map((error) => `${error.path} ${error.position?.line}:${error.position?.column} ${error.code}`);
    expect(summary).toEqual([
      'services.web.release.command 6:7 SKIFF_SPEC_MISSING_KEY',
      'services.web.release.timeout 6:16 SKIFF_SPEC_INVALID_VALUE',
      'services.web.release.retries 7:7 SKIFF_SPEC_UNKNOWN_KEY',
    ]);
  });
});
