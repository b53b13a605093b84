import { describe, expect, it } from 'vitest';
import { resolveCgroupLayout } from './cgroup-layout.js';
import { detectCgroups } from './cgroups.js';

const v1Mounts = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const v1Self = ['8:pids:/', '4:memory:/jobs/abc', '1:cpu,cpuacct:/', '0::/'].join('\n');

describe('resolveCgroupLayout', () => {
  it('finds v1 controllers, co-mounted ones included, under the cgroup this process is in', () => {
    expect(resolveCgroupLayout(v1Mounts, v1Self)).toEqual({
      ok: true,
      layout: {
        version: 1,
        own: {
          memory: '/sys/fs/cgroup/memory/jobs/abc',
          cpu: '/sys/fs/cgroup/cpu,cpuacct',
          pids: '/sys/fs/cgroup/pids',
        },
      },
    });
  });

  it('strips the mount root when a container mounts a subtree of the hierarchy', () => {
    const mounts = '35 31 0:32 /docker/x /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n' +
      '32 31 0:29 /docker/x /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n' +
      '39 31 0:36 /docker/x /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids';
    const self = '4:memory:/docker/x\n2:cpu:/docker/x/sub\n1:pids:/docker/x';
    const result = resolveCgroupLayout(mounts, self);
    expect(result.ok && result.layout.version === 1 && result.layout.own).toEqual({
      memory: '/sys/fs/cgroup/memory',
      cpu: '/sys/fs/cgroup/cpu/sub',
      pids: '/sys/fs/cgroup/pids',
    });
  });

  it('uses cgroup v2 when the unified hierarchy holds the controllers', () => {
    const mounts = '30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';
    expect(resolveCgroupLayout(mounts, '0::/system.slice/skiff.service')).toEqual({
      ok: true,
      layout: { version: 2, own: '/sys/fs/cgroup/system.slice/skiff.service', mount: '/sys/fs/cgroup' },
    });
  });

  it.each([
    ['a read-only v1 mount', v1Mounts.replace('/sys/fs/cgroup/pids rw,', '/sys/fs/cgroup/pids ro,'), /\/sys\/fs\/cgroup\/pids is read-only/],
    ['a read-only v2 mount', '30 23 0:26 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw', /\/sys\/fs\/cgroup is read-only/],
    ['a missing v1 controller', v1Mounts.split('\n').filter((line) => !line.includes('pids')).join('\n'), /controller pids not mounted/],
    ['no cgroup mount at all', '22 1 0:21 / /proc rw - proc proc rw', /no cgroup filesystem/],
  ])('explains why limits cannot be enforced: %s', (_name, mounts, reason) => {
    const result = resolveCgroupLayout(mounts, v1Self);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('detectCgroups carries the reason into the capability', () => {
    const detection = detectCgroups({ mountinfo: '30 23 0:26 / /sys/fs/cgroup ro - cgroup2 cgroup2 rw', selfCgroup: '0::/' });
    expect(detection).toEqual({ enforced: false, reason: 'cgroup filesystem /sys/fs/cgroup is read-only' });
  });
});
