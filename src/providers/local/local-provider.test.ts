/**
 * The local provider as the environment controller sees it, over the fake driver, a SQLite store
 * on disk and real HTTP on the instances' ports. The router is not started (start() spawns the
 * built router process); what needs it is covered by the end-to-end stories.
 */
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ObservedInstance } from '../../core/instance.js';
import { createDrivers } from '../../drivers/registry.js';
import { testBaseEnv } from '../../drivers/testing/fixtures.js';
import { desiredService } from '../../reconcile/testing/deployments.js';
import { LocalProvider } from './local-provider.js';
import { localHarness } from './testing/local-harness.js';
import type { LocalHarness } from './testing/local-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const web = desiredService('v1', 'hash-v1', { instances: 1 });

function provider(): { h: LocalHarness; provider: LocalProvider; changed: string[] } {
  const h = localHarness();
  const changed: string[] = [];
  const local = new LocalProvider(
    {
      environment: 'dev',
      routerPort: 1,
      hooks: {
        emit: (event) => h.events.push(event),
        instanceChanged: (service) => changed.push(service),
        routesChanged: async () => undefined,
        drainTimeoutMs: () => 1000,
        dataPlaneRestarted: () => undefined,
      },
    },
    {
      dataDir: h.dataDir,
      routerHost: '127.0.0.1',
      store: h.store,
      drivers: createDrivers({ dataDir: h.dataDir, baseEnv: testBaseEnv, overrides: { process: h.fake } }),
      clock: { now: () => Date.now() },
      random: () => 0.5,
      logger: pino({ level: 'silent' }),
      prepare: async () => ({ directory: h.dataDir }),
      secretEnv: async () => ({}),
    },
  );
  local.follow({ name: 'dev', services: [web], analyses: {} });
  cleanups.push(() => h.close());
  cleanups.push(() => local.shutdown({ immediate: true }));
  return { h, provider: local, changed };
}

const waitFor = <T>(check: () => T): Promise<T> => vi.waitFor(check, { timeout: 10_000, interval: 5 });

/** Waits for the provider to report an instance in the state. */
function instanceIn(local: LocalProvider, state: string): Promise<ObservedInstance> {
  return waitFor(() => {
    const found = local.observed().find((instance) => instance.state === state);
    expect(found).toBeDefined();
    return found!;
  });
}

describe('LocalProvider over the fake driver', () => {
  it('reports a placed instance in provider-neutral terms: its release, its address on loopback and its pid', async () => {
    const { h, provider: local } = provider();
    await local.place(web);
    const instance = await instanceIn(local, 'ready');
    expect(local.observed()).toHaveLength(1);
    const [handle] = h.fake.running();
    expect(instance).toMatchObject({
      environment: 'dev',
      service: 'web',
      release: 'v1',
      configHash: 'hash-v1',
      restarts: 0,
      ordinal: 1,
      address: { host: '127.0.0.1', port: handle?.port },
      pid: handle?.pid,
    });
  });

  it('reports a crash with its restart time and no address, and restarts the instance from the release given', async () => {
    const { h, provider: local, changed } = provider();
    await local.place(web);
    const { id } = await instanceIn(local, 'ready');
    await h.crash(id);
    const crashed = await instanceIn(local, 'crashed');
    expect(crashed).toMatchObject({ id, reason: 'exited with code 1', address: null, nextStartAt: expect.any(Number) });
    expect(changed).toContain('web');

    await local.restart(id, web);
    await waitFor(() => expect(local.observed()).toMatchObject([{ id, state: 'ready', restarts: 1, pid: h.fake.running()[0]?.pid }]));
  });

  it('reads usage from the driver, and none for an instance it does not run', async () => {
    const { h, provider: local } = provider();
    await local.place(web);
    const id = local.observed()[0]!.id;
    h.fake.setUsage(id, { cpuSeconds: 1.5, rssBytes: 64 * 1024 * 1024 });
    expect(await local.usage(id)).toEqual({ cpuSeconds: 1.5, rssBytes: 64 * 1024 * 1024 });
    expect(await local.usage('web-unknown')).toBeNull();
  });

  it('lists each instance’s log file as a log source', async () => {
    const { h, provider: local } = provider();
    await local.place(web);
    await local.place(web);
    const handles = h.fake.running();
    expect(local.logSources()).toEqual(
      handles.map((handle) => ({ id: handle.instanceId, environment: 'dev', service: 'web', release: 'v1', logPath: handle.logPath })),
    );
    expect(handles.map((handle) => handle.logPath)).toEqual(handles.map((handle) => `${h.dataDir}/logs/dev/web/${handle.instanceId}.log`));
  });

  it('ignores a stop of an instance it does not know', async () => {
    const { h, provider: local } = provider();
    await local.place(web);
    const before = local.observed();
    local.stopInstance('web-unknown', 'scaled-down');
    expect(local.observed()).toEqual(before);
    expect(h.fake.stops()).toEqual([]);
    expect(h.store.listInstances('dev')).toHaveLength(1);
  });

  it('shuts down every instance it runs and forgets them', async () => {
    const { h, provider: local } = provider();
    await local.place(web);
    await local.place(web);
    await local.shutdown({ immediate: true });
    expect(h.fake.running()).toEqual([]);
    expect(h.fake.stops().map((stop) => stop.graceMs)).toEqual([0, 0]);
    expect(local.observed()).toEqual([]);
    expect(h.store.listInstances('dev')).toEqual([]);
  });
});
