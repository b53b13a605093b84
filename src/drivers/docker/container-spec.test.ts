import { describe, expect, it } from 'vitest';
import type { InstanceLaunch } from '../driver.js';
import { containerCreateOptions, exitFromStatus, isSkiffContainer } from './container-spec.js';

const launch: InstanceLaunch = {
  instanceId: 'web-dev-v3-a1b2',
  service: 'web',
  environment: 'dev',
  release: 'v3',
  directory: '/srv/web',
  command: ['node', 'server.js'],
  env: { GREETING: 'hello' },
  port: 41000,
  resources: { memory: 64 * 1024 * 1024, cpu: 0.5, pids: 32 },
  logDir: '/data/logs',
  image: 'shop-web:1',
};

describe('containerCreateOptions', () => {
  it('publishes PORT on 127.0.0.1, labels the container and hands the limits to the engine', () => {
    expect(containerCreateOptions(launch, 'sha256:abc')).toEqual({
      name: 'skiff-web-dev-v3-a1b2',
      Image: 'sha256:abc',
      Cmd: ['node', 'server.js'],
      Env: ['GREETING=hello', 'PORT=41000'],
      Labels: {
        'skiff.managed': 'true',
        'skiff.instance': 'web-dev-v3-a1b2',
        'skiff.service': 'web',
        'skiff.environment': 'dev',
        'skiff.release': 'v3',
      },
      ExposedPorts: { '41000/tcp': {} },
      HostConfig: {
        Init: true,
        RestartPolicy: { Name: 'no' },
        PortBindings: { '41000/tcp': [{ HostIp: '127.0.0.1', HostPort: '41000' }] },
        Memory: 64 * 1024 * 1024,
        MemorySwap: 64 * 1024 * 1024,
        NanoCpus: 500_000_000,
        PidsLimit: 32,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
      },
    });
  });

  it("keeps the image's own command when the launch has none, and sets no limits that were not asked for", () => {
    const options = containerCreateOptions({ ...launch, command: [], resources: {}, env: { PORT: '1' } }, 'img');
    expect(options.Cmd).toBeUndefined();
    expect(options.Env).toEqual(['PORT=41000']);
    expect(options.HostConfig).not.toHaveProperty('Memory');
    expect(options.HostConfig).not.toHaveProperty('NanoCpus');
    expect(options.HostConfig).not.toHaveProperty('PidsLimit');
  });

  it('keeps standard input open, for its one client, only for a launch that asks for it', () => {
    expect(containerCreateOptions({ ...launch, stdin: true }, 'img')).toMatchObject({ OpenStdin: true, StdinOnce: true, AttachStdin: true });
    const instance = containerCreateOptions(launch, 'img');
    expect(instance).not.toHaveProperty('OpenStdin');
    expect(instance).not.toHaveProperty('StdinOnce');
  });
});

describe('exitFromStatus', () => {
  it.each([
    [0, false, { exitCode: 0, signal: null, oomKilled: false }],
    [3, false, { exitCode: 3, signal: null, oomKilled: false }],
    [137, true, { exitCode: null, signal: 'SIGKILL', oomKilled: true }],
    [143, false, { exitCode: null, signal: 'SIGTERM', oomKilled: false }],
    [255, false, { exitCode: 255, signal: null, oomKilled: false }],
    [null, false, { exitCode: null, signal: null, oomKilled: false }],
  ] as const)('status %s (oom %s)', (status, oom, expected) => {
    expect(exitFromStatus(status, oom)).toEqual(expected);
  });
});

describe('isSkiffContainer', () => {
  it('accepts only the managed label together with the same instance', () => {
    expect(isSkiffContainer({ 'skiff.managed': 'true', 'skiff.instance': 'a' }, 'a')).toBe(true);
    expect(isSkiffContainer({ 'skiff.managed': 'true', 'skiff.instance': 'b' }, 'a')).toBe(false);
    expect(isSkiffContainer({ 'skiff.instance': 'a' }, 'a')).toBe(false);
    expect(isSkiffContainer(undefined, 'a')).toBe(false);
  });
});
