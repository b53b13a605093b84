/**
 * The instance lifecycle over the fake driver, a SQLite store on disk and real HTTP servers on the
 * instances' ports: start and readiness, crashes and their backoff, drain before stop, adoption by
 * the next control plane, and the two ways of going away (stop everything, or detach).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDrivers } from '../../drivers/registry.js';
import { testBaseEnv } from '../../drivers/testing/fixtures.js';
import { desiredService } from '../../reconcile/testing/deployments.js';
import type { DesiredService } from '../../spec/desired.js';
import { InstanceLifecycle } from './instance-lifecycle.js';
import type { InstanceLifecycleDeps } from './instance-lifecycle.js';
import type { InstanceRecord } from './instance-record.js';
import { lifecycleDeps, lifecycleNow } from './testing/lifecycle-deps.js';
import { localHarness } from './testing/local-harness.js';
import type { LocalHarness } from './testing/local-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const now = lifecycleNow;
const web = desiredService('v1', 'hash-v1', { instances: 1 });

interface Setup {
  readonly h: LocalHarness;
  /** The hooks the lifecycle called, in order: `routesChanged`, `reconcile web`, `drain 127.0.0.1:PORT`. */
  readonly calls: string[];
  lifecycle(overrides?: Partial<InstanceLifecycleDeps>): InstanceLifecycle;
}

function setup(options: { desired?: DesiredService; harness?: LocalHarness } = {}): Setup {
  const h = options.harness ?? localHarness();
  if (!options.harness) cleanups.push(() => h.close());
  const calls: string[] = [];
  const desired = options.desired ?? web;
  return {
    h,
    calls,
    lifecycle(overrides = {}) {
      const lifecycle = new InstanceLifecycle(lifecycleDeps(h, desired, calls, overrides));
      cleanups.push(() => lifecycle.stopAll(true));
      return lifecycle;
    },
  };
}

const waitFor = <T>(check: () => T): Promise<T> => vi.waitFor(check, { timeout: 10_000, interval: 5 });

function only(lifecycle: InstanceLifecycle): InstanceRecord {
  const [record, ...others] = lifecycle.instances();
  expect(others).toEqual([]);
  return record!;
}

function eventTypes(h: LocalHarness, instance: string): string[] {
  return h.events.filter((event) => event.instance === instance).map((event) => event.type);
}

async function readyInstance(lifecycle: InstanceLifecycle, desired = web): Promise<InstanceRecord> {
  const before = new Set(lifecycle.instances().map((record) => record.id));
  await lifecycle.startNew(desired);
  const record = lifecycle.instances().find((candidate) => !before.has(candidate.id))!;
  await waitFor(() => expect(record.state).toBe('ready'));
  return record;
}

describe('InstanceLifecycle: start and readiness', () => {
  it('starts an instance as starting, makes it ready once its port answers, then republishes routes and plans again', async () => {
    const { h, calls, lifecycle: create } = setup();
    const lifecycle = create();
    h.answerOnLaunch = false;
    await lifecycle.startNew(web);
    const record = only(lifecycle);
    expect(record.state).toBe('starting');
    expect(eventTypes(h, record.id)).toEqual(['instance.started']);
    expect(h.fake.running().map((handle) => handle.instanceId)).toEqual([record.id]);
    expect(calls).toEqual([]);

    await h.servers.answer(h.portOf(record.id));
    await waitFor(() => expect(record.state).toBe('ready'));
    expect(eventTypes(h, record.id)).toEqual(['instance.started', 'instance.ready']);
    expect(calls).toEqual(['routesChanged', 'reconcile web']);
    expect(record.readyAt).toBe(now);
    expect(h.store.listInstances('dev').map((stored) => (stored.record as InstanceRecord).state)).toEqual(['ready']);
  });
});

describe('InstanceLifecycle: crashes and restarts', () => {
  it('marks a ready instance that exits as crashed with its reason, due to restart at once the first time, and takes it out of the routes', async () => {
    const { h, calls, lifecycle: create } = setup();
    const lifecycle = create();
    const record = await readyInstance(lifecycle);
    calls.length = 0;

    await h.crash(record.id, 1);
    await waitFor(() => expect(record.state).toBe('crashed'));
    expect(record.reason).toBe('exited with code 1');
    expect(record.nextStartAt).toBe(now);
    expect(calls).toEqual(expect.arrayContaining(['reconcile web', 'routesChanged']));
    expect(h.events.at(-1)).toMatchObject({ type: 'instance.crashed', data: { reason: 'exited with code 1', exitCode: 1, restartInMs: 0 } });
    expect((h.store.listInstances('dev')[0]?.record as InstanceRecord).state).toBe('crashed');
  });

  it('restarts a crashed instance as a new run, counts it, and backs off after a second crash that leaves the routes alone', async () => {
    const { h, calls, lifecycle: create } = setup();
    const lifecycle = create();
    const record = await readyInstance(lifecycle);
    const firstPid = h.fake.running()[0]?.pid;
    await h.crash(record.id);
    await waitFor(() => expect(record.state).toBe('crashed'));

    h.answerOnLaunch = false;
    await lifecycle.restart(record, web);
    expect(record.state).toBe('starting');
    expect(record.restarts).toBe(1);
    expect(h.fake.launches()).toHaveLength(2);
    expect(h.fake.running().map((handle) => handle.pid)).not.toContain(firstPid);
    expect(h.events.find((event) => event.type === 'instance.restarted')?.data).toMatchObject({ restarts: 1, lastReason: 'exited with code 1' });

    // It crashes again before it was ready: the second crash in a row waits the policy's first step.
    calls.length = 0;
    await h.crash(record.id, 2);
    await waitFor(() => expect(record.state).toBe('crashed'));
    expect(record.reason).toBe('exited with code 2');
    expect(record.nextStartAt).toBe(now + 250);
    expect(calls).toEqual(['reconcile web']);
  });

  it('marks an instance whose start fails as crashed with the driver’s message', async () => {
    const { h, lifecycle: create } = setup();
    const lifecycle = create();
    h.fake.failNextStart('no such file: server.js');
    await lifecycle.startNew(web);
    const record = only(lifecycle);
    expect(record.state).toBe('crashed');
    expect(record.reason).toBe('no such file: server.js');
    expect(eventTypes(h, record.id)).toEqual(['instance.start-failed', 'instance.crashed']);
  });
});

describe('InstanceLifecycle: drain before stop', () => {
  it('is stopping at once, then republishes routes, drains its address, and only then signals it and forgets it', async () => {
    let finishDrain!: () => void;
    const drained = new Promise<void>((resolve) => (finishDrain = resolve));
    const { h, calls, lifecycle: create } = setup();
    const lifecycle = create({
      drain: async (address) => {
        calls.push(`drain ${address.host}:${address.port}`);
        await drained;
      },
    });
    const record = await readyInstance(lifecycle);
    calls.length = 0;

    lifecycle.drainAndStop(record, 'scaled-down');
    expect(record.state).toBe('stopping');
    expect((h.store.listInstances('dev')[0]?.record as InstanceRecord).state).toBe('stopping');
    await waitFor(() => expect(calls).toEqual(['routesChanged', `drain 127.0.0.1:${h.portOf(record.id)}`]));
    // The router may still have requests in flight to it: no signal yet.
    expect(h.fake.stops()).toEqual([]);

    finishDrain();
    await waitFor(() => expect(lifecycle.get(record.id)).toBeUndefined());
    expect(h.fake.stops()).toEqual([{ instanceId: record.id, graceMs: web.stopGraceMs }]);
    expect(h.store.listInstances('dev')).toEqual([]);
    expect(h.events.at(-1)).toMatchObject({ type: 'instance.stopped', instance: record.id, data: { reason: 'scaled-down' } });
  });
});

describe('InstanceLifecycle: stopped while starting', () => {
  it('stops an instance whose start was still under way when it was removed, so nothing runs outside the records', async () => {
    let finishPrepare!: () => void;
    const prepared = new Promise<void>((resolve) => (finishPrepare = resolve));
    const { h, lifecycle: create } = setup();
    const lifecycle = create({
      prepare: async () => {
        await prepared;
        return { directory: h.dataDir };
      },
    });
    const starting = lifecycle.startNew(web);
    const record = await waitFor(() => {
      expect(lifecycle.instances()).toHaveLength(1);
      return lifecycle.instances()[0];
    });
    lifecycle.drainAndStop(record!, 'scaled-down');
    await waitFor(() => expect(lifecycle.get(record!.id)).toBeUndefined());
    expect(h.events.at(-1)).toMatchObject({ type: 'instance.stopped', instance: record!.id });

    finishPrepare();
    await starting;
    expect(h.fake.launches()).toHaveLength(1);
    expect(h.fake.running()).toEqual([]);
    expect(h.store.listInstances('dev')).toEqual([]);
  });
});

describe('InstanceLifecycle: adoption by the next control plane', () => {
  it('adopts a running instance without restarting it, and keeps watching it', async () => {
    const { h, lifecycle: create } = setup();
    const first = create();
    const record = await readyInstance(first);
    const pid = h.fake.running()[0]?.pid;
    first.detach();

    const second = create();
    await second.adopt();
    const adopted = only(second);
    expect(adopted).toMatchObject({ id: record.id, state: 'ready', port: record.port });
    expect(adopted.running?.handle.pid).toBe(pid);
    expect(h.fake.launches()).toHaveLength(1);
    expect(h.fake.stops()).toEqual([]);
    expect(h.events.at(-1)).toMatchObject({ type: 'instance.adopted', instance: record.id, data: { pid } });

    await h.crash(record.id);
    await waitFor(() => expect(adopted.state).toBe('crashed'));
  });

  it('marks an instance that died while no control plane ran as crashed, and adopts the one that lives', async () => {
    const { h, lifecycle: create } = setup();
    const first = create();
    const survivor = await readyInstance(first);
    const victim = await readyInstance(first);
    first.detach();
    const eventsBefore = h.events.length;
    await h.crash(victim.id);
    // Let the detached lifecycle see the exit, if it (wrongly) still watched.
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.events.slice(eventsBefore)).toEqual([]);

    const second = create();
    await second.adopt();
    const dead = second.get(victim.id);
    expect(dead).toMatchObject({ state: 'crashed', reason: 'exited while the control plane was down', nextStartAt: now, running: null });
    expect(second.get(survivor.id)?.running?.handle.pid).toBe(h.fake.running()[0]?.pid);
    expect(h.fake.launches()).toHaveLength(2);
    const stored = h.store.listInstances('dev').map((row) => row.record as InstanceRecord);
    expect(stored.find((row) => row.id === victim.id)?.state).toBe('crashed');
  });
});

describe('InstanceLifecycle: going away', () => {
  it('stopAll(true) kills an instance that ignores SIGTERM without waiting its grace, and forgets it', async () => {
    const h = localHarness({ behaviour: () => ({ ignoresTerm: true }) });
    cleanups.push(() => h.close());
    const { lifecycle: create } = setup({ harness: h, desired: { ...web, stopGraceMs: 60_000 } });
    const lifecycle = create();
    const record = await readyInstance(lifecycle);

    await lifecycle.stopAll(true);
    expect(h.fake.stops()).toEqual([{ instanceId: record.id, graceMs: 0 }]);
    expect(h.fake.running()).toEqual([]);
    expect(lifecycle.instances()).toEqual([]);
    expect(h.store.listInstances('dev')).toEqual([]);
  });

  it('detach() leaves every instance running and recorded for the next control plane', async () => {
    const { h, lifecycle: create } = setup();
    const lifecycle = create();
    await readyInstance(lifecycle);
    await readyInstance(lifecycle);

    lifecycle.detach();
    expect(h.fake.stops()).toEqual([]);
    expect(h.fake.running()).toHaveLength(2);
    expect(h.store.listInstances('dev').map((row) => (row.record as InstanceRecord).state)).toEqual(['ready', 'ready']);
  });
});

describe('InstanceLifecycle: killed mid-rollout, then adopted', () => {
  it('lists no adopted record before its process is recovered, so a plan made meanwhile cannot forget a running instance', async () => {
    const { h, lifecycle: create } = setup();
    const first = create();
    await readyInstance(first);
    const slow = await readyInstance(first);
    first.detach();

    // The next control plane recovers the second instance slowly (its /proc read is I/O); a
    // reconcile runs in between (an adopted instance turned ready) and stops what it plans to.
    let releaseRecover!: () => void;
    const gate = new Promise<void>((resolve) => (releaseRecover = resolve));
    const gated = {
      ...h.fake,
      recover: async (handle: Parameters<typeof h.fake.recover>[0]) => {
        if (handle.instanceId === slow.id) await gate;
        return h.fake.recover(handle);
      },
    };
    const second = create({ drivers: createDrivers({ dataDir: h.dataDir, baseEnv: testBaseEnv, overrides: { process: gated } }) });
    const adopting = second.adopt();
    await new Promise((resolve) => setImmediate(resolve));
    for (const record of second.instances()) second.drainAndStop(record, 'outdated');
    releaseRecover();
    await adopting;

    // Every process still running is one the lifecycle records (and so status, routes and stop see).
    const recorded = new Set(second.instances().map((record) => record.id));
    await waitFor(() => expect(h.fake.running().filter((running) => !recorded.has(running.instanceId))).toEqual([]));
    expect(second.get(slow.id)?.running?.handle.pid).toBe(h.fake.running().find((r) => r.instanceId === slow.id)?.pid);
  });

  it('ends what a start interrupted before its handle was recorded left running', async () => {
    const { h, lifecycle: create } = setup();
    let holdStart!: () => void;
    const held = new Promise<void>((resolve) => (holdStart = resolve));
    // The first control plane dies between the driver's start and the record that names its pid.
    const dying = {
      ...h.fake,
      start: async (launch: Parameters<typeof h.fake.start>[0]) => {
        const running = await h.fake.start(launch);
        await held;
        return running;
      },
    };
    const first = create({ drivers: createDrivers({ dataDir: h.dataDir, baseEnv: testBaseEnv, overrides: { process: dying } }) });
    void first.startNew(web);
    await waitFor(() => expect(h.fake.running()).toHaveLength(1));
    first.detach();
    expect((h.store.listInstances('dev')[0]?.record as InstanceRecord).handle).toBeNull();

    const second = create();
    await second.adopt();
    expect(h.fake.running()).toEqual([]);
    expect(second.instances()[0]?.state).toBe('crashed');
    holdStart();
  });

  it('attaches every running instance before it reports one that died, so the plan that report runs sees their processes', async () => {
    const { h, lifecycle: create } = setup();
    const first = create();
    await readyInstance(first);
    await readyInstance(first);
    first.detach();
    // Records are listed by id: the one listed first dies while no control plane runs.
    const [victim, survivor] = h.store.listInstances('dev').map((row) => row.id) as [string, string];
    await h.crash(victim);

    // The next control plane's reconcile runs synchronously inside the report, and (as a plan
    // for a service no longer wanted would) stops every live instance it is shown.
    const second: InstanceLifecycle = create({
      reconcile: () => {
        for (const record of second.instances()) if (record.state !== 'stopping' && record.state !== 'crashed') second.drainAndStop(record, 'removed');
      },
    });
    await second.adopt();

    // Nothing runs that the lifecycle does not record: the survivor was stopped as a running instance.
    await waitFor(() => expect(h.fake.running()).toEqual([]));
    expect(h.fake.stops().map((stop) => stop.instanceId)).toEqual([survivor]);
    expect(second.get(survivor)).toBeUndefined();
  });

  it('stops an instance even when publishing the table without it fails, instead of leaving it stopping forever', async () => {
    const { h, lifecycle: create } = setup();
    let publishFails = false;
    const lifecycle = create({
      routesChanged: async () => {
        if (publishFails) throw new Error('routing table version 1 is older than the router’s version 5');
      },
    });
    const record = await readyInstance(lifecycle);
    publishFails = true;
    lifecycle.drainAndStop(record, 'outdated');
    await waitFor(() => expect(lifecycle.get(record.id)).toBeUndefined());
    expect(h.fake.stops()).toEqual([{ instanceId: record.id, graceMs: web.stopGraceMs }]);
    expect(h.fake.running()).toEqual([]);
  });
});
