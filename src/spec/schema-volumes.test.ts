import { describe, expect, it } from 'vitest';
import { serviceConfig } from './desired.js';
import { parseSpec } from './parse.js';
import { releaseHash } from './release.js';
import { isInsideVolumeRoot, volumeEnvName } from './schema-volumes.js';

function parse(...lines: string[]): ReturnType<typeof parseSpec> {
  return parseSpec(`${lines.join('\n')}\n`, 'skiff.yaml');
}

const service = ['name: shop', 'services:', '  orders:', '    start: [node, server.mjs]'];

function errors(...lines: string[]): string[] {
  const result = parse(...service, ...lines);
  if (result.ok) throw new Error('expected the spec to be invalid');
  return result.errors.map((e) => `${e.position?.line}:${e.position?.column} ${e.code} ${e.path}`);
}

describe('volumes in the spec', () => {
  it('puts the volumes in the release, sorted by name, and a new volume makes a new release', () => {
    const result = parse(...service, '    volumes:', '      uploads: { path: /srv/uploads }', '      data: { path: /var/lib/orders }');
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const config = serviceConfig(result.spec, 'dev', 'orders', '/app');
    expect(config.volumes).toEqual([
      { name: 'data', path: '/var/lib/orders' },
      { name: 'uploads', path: '/srv/uploads' },
    ]);
    const plain = parse(...service);
    if (!plain.ok) throw new Error('plain spec invalid');
    const without = serviceConfig(plain.spec, 'dev', 'orders', '/app');
    expect(without).not.toHaveProperty('volumes');
    expect(releaseHash({ ...config, artifact: null })).not.toBe(releaseHash({ ...without, artifact: null }));
  });

  it('refuses a path outside the allowed roots at the path, and a name that is not a DNS label at the name', () => {
    expect(errors('    volumes:', '      data: { path: /etc/orders }')).toEqual([
      '6:21 SKIFF_SPEC_INVALID_VALUE services.orders.volumes.data.path',
    ]);
    expect(errors('    volumes:', '      data: { path: /var/lib/../etc }')).toHaveLength(1);
    const badName = errors('    volumes:', '      Data_1: { path: /var/lib/orders }');
    expect(badName).toHaveLength(1);
    expect(badName[0]).toMatch(/^6:7 SKIFF_SPEC_INVALID_VALUE services\.orders\.volumes\.Data_1/);
  });

  it('refuses volumes on a function', () => {
    const result = parse('name: shop', 'services:', '  price:', '    kind: function', '    handler: p.mjs', '    volumes: { data: { path: /data/x } }');
    expect(result.ok).toBe(false);
  });

  it('checks roots and names the variable', () => {
    expect(isInsideVolumeRoot('/var/lib/orders')).toBe(true);
    expect(isInsideVolumeRoot('/var/lib')).toBe(false);
    expect(isInsideVolumeRoot('/var/library')).toBe(false);
    expect(isInsideVolumeRoot('var/lib/orders')).toBe(false);
    expect(isInsideVolumeRoot('/data//x')).toBe(false);
    expect(volumeEnvName('uploads-v2')).toBe('SKIFF_VOLUME_UPLOADS_V2');
  });
});
