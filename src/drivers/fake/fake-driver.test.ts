import { testBaseEnv } from '../testing/fixtures.js';
import { describe, expect, it } from 'vitest';
import { isSkiffError } from '../../core/errors.js';
import type { InstanceLaunch } from '../driver.js';
import { createDrivers } from '../registry.js';
import { createFakeDriver } from './fake-driver.js';

function launch(instanceId: string): InstanceLaunch {
  return {
    instanceId,
    service: 'api',
    environment: 'dev',
    release: 'v1',
    directory: '/srv/api',
    command: ['node', 'server.js'],
    env: {},
    port: 4000,
    resources: {},
    logDir: '/var/log/skiff',
  };
}

describe('fake driver controls', () => {
  it('crashes an instance by id with an exit code and lists what is running', async () => {
    const fake = createFakeDriver();
    const a = await fake.start(launch('a'));
    await fake.start(launch('b'));
    expect(fake.running().map((handle) => handle.instanceId)).toEqual(['a', 'b']);
    expect(fake.crash('a', 3)).toBe(true);
    expect(await a.exited).toEqual({ exitCode: 3, signal: null, oomKilled: false });
    expect(fake.running().map((handle) => handle.instanceId)).toEqual(['b']);
    expect(fake.crash('a')).toBe(false);
    expect(fake.crash('b', 0, { signal: 'SIGKILL', oomKilled: true })).toBe(true);
    expect(fake.running()).toEqual([]);
  });

  it('fails a start on request and records launches and stops', async () => {
    const fake = createFakeDriver();
    fake.failNextStart('image missing');
    const error = await fake.start(launch('a')).catch((caught: unknown) => caught);
    expect(isSkiffError(error) && error.code).toBe('SKIFF_DRIVER_START_FAILED');
    const b = await fake.start(launch('b'));
    await b.stop(1000);
    expect(fake.launches().map((l) => l.instanceId)).toEqual(['a', 'b']);
    expect(fake.stops()).toEqual([{ instanceId: 'b', graceMs: 1000 }]);
  });

  it('reports the usage a test sets', async () => {
    const fake = createFakeDriver();
    const a = await fake.start(launch('a'));
    fake.setUsage('a', { cpuSeconds: 2, rssBytes: 123 });
    expect(await fake.usage(a.handle)).toEqual({ cpuSeconds: 2, rssBytes: 123 });
  });
});

describe('driver registry', () => {
  it('wires the process driver, and takes the fake in its place in tests', () => {
    expect(createDrivers({ dataDir: '/tmp', baseEnv: testBaseEnv }).process.capabilities.recover).toBe(true);
    const fake = createFakeDriver();
    expect(createDrivers({ dataDir: '/tmp', baseEnv: testBaseEnv, overrides: { process: fake } }).process).toBe(fake);
  });
});
