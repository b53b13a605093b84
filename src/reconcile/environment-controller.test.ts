/**
 * The environment controller's stories (scale, crash, rollouts, analyses, the routing table) over
 * the fake provider: every decision made above the provider, no process started.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FakeProvider } from '../providers/fake/fake-provider.js';
import type { DesiredEnvironment, DesiredService } from '../spec/desired.js';
import type { ReleaseCounters } from './deployment.js';
import { desiredService, strategy } from './testing/deployments.js';
import { environmentHarness, type EnvironmentHarness, type EnvironmentHarnessOptions } from './testing/environment-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function harness(options: EnvironmentHarnessOptions = {}): EnvironmentHarness {
  return environmentHarness(cleanups, options);
}

const environment = (service: DesiredService, analyses: DesiredEnvironment['analyses'] = {}): DesiredEnvironment => ({ name: 'dev', services: [service], analyses });

function backends(fake: FakeProvider): string[] {
  return (fake.routeTable()?.routes ?? []).flatMap((route) => route.backends.map((backend) => `${backend.release}:${backend.id}`)).sort();
}

function releasesOf(fake: FakeProvider, state = 'ready'): string[] {
  return fake
    .observed()
    .filter((instance) => instance.state === state)
    .map((instance) => instance.release)
    .sort();
}

const waitFor = <T>(check: () => T): Promise<T> => vi.waitFor(check, { timeout: 10_000, interval: 5 });

describe('EnvironmentController over the fake provider', () => {
  it('keeps the desired count, scales down the newest first, and routes to exactly the ready instances', async () => {
    const { controller, fake } = harness();
    const v1 = desiredService('v1', 'hash-v1', { instances: 3 });
    await controller.start(environment(v1));
    await waitFor(() => expect(releasesOf(fake)).toEqual(['v1', 'v1', 'v1']));
    await waitFor(() => expect(backends(fake)).toHaveLength(3));

    controller.setDesired(environment({ ...v1, instances: 1 }));
    await waitFor(() => expect(fake.observed()).toHaveLength(1));
    expect(fake.observed()[0]?.ordinal).toBe(1);
    expect(fake.stops.map((stop) => stop.reason)).toEqual(['scaled-down', 'scaled-down']);
    await waitFor(() => expect(backends(fake)).toEqual([`v1:${fake.observed()[0]?.id}`]));
  });

  it('restarts a crashed instance and takes it out of the routing table while it is down', async () => {
    const { controller, fake, events } = harness({ readyOnStart: false });
    const v1 = desiredService('v1', 'hash-v1', { instances: 2 });
    await controller.start(environment(v1));
    await waitFor(() => expect(fake.observed()).toHaveLength(2));
    for (const instance of fake.observed()) fake.markReady(instance.id);
    await waitFor(() => expect(backends(fake)).toHaveLength(2));

    const [victim] = fake.observed();
    fake.crash(victim!.id);
    await waitFor(() => expect(backends(fake)).toHaveLength(1));
    // The first crash restarts at once; the instance is back once ready.
    await waitFor(() => expect(fake.observed().find((instance) => instance.id === victim!.id)?.restarts).toBe(1));
    fake.markReady(victim!.id);
    await waitFor(() => expect(backends(fake)).toHaveLength(2));
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['instance.crashed', 'instance.restarted']));
  });

  it('plans nothing before its first desired state: a change the provider reports while adopting stops no instance', async () => {
    const { controller, fake } = harness();
    const v1 = desiredService('v1', 'hash-v1', { instances: 2 });
    // What an earlier control plane left: two instances, one of which died while none ran.
    await fake.place(v1);
    await fake.place(v1);
    const [dead, survivor] = fake.observed();
    fake.crash(dead!.id, 'exited while the control plane was down');

    await controller.start(environment(v1));
    await waitFor(() => expect(releasesOf(fake)).toEqual(['v1', 'v1']));
    expect(fake.observed().map((instance) => instance.id).sort()).toEqual([dead!.id, survivor!.id].sort());
    expect(fake.stops).toEqual([]);
  });

  it('rolls out a new release instance by instance, never with fewer ready instances than desired', async () => {
    const { controller, fake } = harness({ readyOnStart: false });
    const rolling = strategy({ type: 'rolling', maxSurge: 1, maxUnavailable: 0 });
    const v1 = desiredService('v1', 'hash-v1', { instances: 3, strategy: rolling });
    await controller.start(environment(v1));
    await waitFor(() => expect(fake.observed()).toHaveLength(3));
    for (const instance of fake.observed()) fake.markReady(instance.id);
    await waitFor(() => expect(releasesOf(fake)).toEqual(['v1', 'v1', 'v1']));

    controller.setDesired(environment(desiredService('v2', 'hash-v2', { instances: 3, strategy: rolling })), { trigger: 'deploy', author: 'ana' });
    let fewest = 3;
    for (let round = 0; round < 3; round += 1) {
      const starting = await waitFor(() => {
        const found = fake.observed().find((instance) => instance.release === 'v2' && instance.state === 'starting');
        expect(found).toBeDefined();
        return found!;
      });
      fewest = Math.min(fewest, fake.observed().filter((instance) => instance.state === 'ready').length);
      fake.markReady(starting.id);
    }
    await waitFor(() => expect(releasesOf(fake)).toEqual(['v2', 'v2', 'v2']));
    await waitFor(() => expect(fake.observed()).toHaveLength(3));
    expect(fewest).toBe(3);
    await waitFor(() => expect(controller.rollouts.latest('web')?.result).toBe('completed'));
    await waitFor(() => expect(backends(fake).every((backend) => backend.startsWith('v2:'))).toBe(true));
  });

  it('aborts a canary whose analysis fails: traffic back to stable, canary drained, and the revert asked for after the step', async () => {
    const { controller, fake, aborted, events } = harness();
    const canary = strategy({ type: 'canary', steps: [{ weight: 50 }, { analysis: 'quick' }] });
    const analyses = { quick: { window: 50, minRequests: 10, checks: [{ kind: 'error-rate' as const, max: 0.01 }] } };
    const v1 = desiredService('v1', 'hash-v1', { instances: 2, strategy: canary });
    const v2 = desiredService('v2', 'hash-v2', { instances: 2, strategy: canary });
    const counters = (requests: number, errors: number): ReleaseCounters => ({ requests, errors, boundsMs: [10], buckets: [requests, 0] });
    fake.setCounters('web', { at: Date.now(), releases: { v1: counters(1000, 0), v2: counters(0, 0) } });
    await controller.start(environment(v1, analyses));
    await waitFor(() => expect(releasesOf(fake)).toEqual(['v1', 'v1']));

    controller.setDesired(environment(v2, analyses), { trigger: 'deploy', author: 'ana' });
    await waitFor(() => expect(controller.rollouts.deployment('web')?.window).not.toBeFalsy());
    expect(fake.routeTable()?.routes[0]?.weights).toEqual({ v1: 50, v2: 50 });
    fake.setCounters('web', { at: Date.now(), releases: { v1: counters(1400, 0), v2: counters(200, 100) } });

    await waitFor(() => expect(aborted.length).toBeGreaterThan(0));
    expect(new Set(aborted.map((deployment) => deployment.id)).size).toBe(1);
    // What the control plane does then: the desired state goes back to the stable release.
    controller.setDesired(environment(v1, analyses), { trigger: 'rollback', author: 'skiff' });
    // An earlier judgement may have been inconclusive (too few requests yet); the last one failed.
    expect(events.filter((event) => event.type === 'rollout.analysis').at(-1)?.data).toMatchObject({ outcome: 'fail' });
    await waitFor(() => expect(releasesOf(fake)).toEqual(['v1', 'v1']));
    await waitFor(() => expect(fake.observed().some((instance) => instance.release === 'v2')).toBe(false));
    await waitFor(() => expect(fake.routeTable()?.routes[0]?.weights).toBeUndefined());
    expect(backends(fake).every((backend) => backend.startsWith('v1:'))).toBe(true);
  });

  it('continues the table versions from the one the data plane routes with, whatever the wall clock says', async () => {
    const { controller, fake } = harness({ tableVersion: 9_000_000_000_000 });
    await controller.start(environment(desiredService('v1', 'hash-v1', { instances: 1 })));
    await waitFor(() => expect(backends(fake)).toHaveLength(1));
    const versions = fake.tables.map((table) => table.version);
    expect(versions[0]).toBe(9_000_000_000_000);
    expect(versions.slice(1).every((version, index) => version === (versions[index] as number) + 1)).toBe(true);
  });
});
