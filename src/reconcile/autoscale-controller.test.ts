/**
 * Autoscaling driven by the environment controller over the fake provider: the data plane's load
 * sets the count, every change is an event, a held request wakes a service at zero, and a rollout
 * holds the count.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FakeProvider } from '../providers/fake/fake-provider.js';
import type { DesiredEnvironment, DesiredService } from '../spec/desired.js';
import type { AutoscaleSpec } from '../spec/schema-autoscale.js';
import { desiredService } from './testing/deployments.js';
import { environmentHarness, type EnvironmentHarness } from './testing/environment-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const policy: AutoscaleSpec = { min: 1, max: 8, target: { concurrency: 5 }, stableWindow: 10_000, panicWindow: 6_000, idleAfter: 30_000 };

function harness(options: { adoptedDataPlane?: boolean } = {}): EnvironmentHarness & { clock: { now: () => number; at: number } } {
  // Time moves only when the test moves it: the controller's own ticks then sample the same moment.
  const clock = { at: 1_000_000, now: () => clock.at };
  return { ...environmentHarness(cleanups, { clock, ...options }), clock };
}

const environment = (service: DesiredService): DesiredEnvironment => ({ name: 'dev', services: [service], analyses: {} });
const web = (autoscale: AutoscaleSpec, release = 'v1'): DesiredService => desiredService(release, `hash-${release}`, { instances: Math.max(autoscale.min, 1), autoscale });
const waitFor = <T>(check: () => T): Promise<T> => vi.waitFor(check, { timeout: 10_000, interval: 5 });
const live = (fake: FakeProvider): number => fake.observed('web').filter((i) => i.state !== 'stopping').length;

/** Moves time on by `ms` in one-second ticks, with the data plane reporting `inFlight` requests for web. */
async function run(h: ReturnType<typeof harness>, ms: number, inFlight: number, requestsPerSecond = inFlight * 10): Promise<void> {
  for (let passed = 0; passed < ms; passed += 1000) {
    h.clock.at += 1000;
    const before = (await h.fake.load()).get('web')?.requests ?? 0;
    h.fake.setLoad('web', { inFlight, requests: before + requestsPerSecond });
    await h.controller.autoscaler.tick();
    await h.controller.idle();
  }
}

describe('autoscaling in the environment controller', () => {
  it('scales up with the in-flight load (panic first), back down after the stable window, and records each decision', async () => {
    const h = harness();
    await h.controller.start(environment(web(policy)));
    await waitFor(() => expect(live(h.fake)).toBe(1));

    await run(h, 2000, 30);
    // 30 in flight against 1 instance of 5: panic, straight to 6.
    await waitFor(() => expect(live(h.fake)).toBe(6));
    expect(h.controller.autoscaleStatus('web')).toMatchObject({ mode: 'panic', desired: 6, min: 1, max: 8, measure: 'concurrency', target: 5 });
    expect(h.controller.desiredService('web')?.instances).toBe(6);
    const up = h.events.find((event) => event.type === 'autoscale.decision');
    expect(up).toMatchObject({ service: 'web', data: { from: 1, to: 6, mode: 'panic', measure: 'concurrency', target: 5 } });
    expect(up?.message).toMatch(/^web: 1 → 6 instances \(panic, /);

    // The load stops: panic holds the count for a stable window, then the stable window's average decides.
    await run(h, 5000, 0);
    expect(live(h.fake)).toBe(6);
    await run(h, 20_000, 0);
    await waitFor(() => expect(live(h.fake)).toBe(1));
    expect(h.fake.stops.filter((stop) => stop.reason === 'scaled-down')).toHaveLength(5);
    expect(h.events.filter((event) => event.type === 'autoscale.decision').at(-1)).toMatchObject({ data: { to: 1, mode: 'stable' } });
  });

  it('scales to zero after idleAfter, and a held request wakes it with one instance', async () => {
    const h = harness();
    await h.controller.start(environment(web({ ...policy, min: 0 })));
    await waitFor(() => expect(live(h.fake)).toBe(1));
    expect(h.fake.routeTable()?.routes[0]?.wake).toBe(true);

    await run(h, 20_000, 0, 0);
    expect(live(h.fake)).toBe(1);
    await run(h, 12_000, 0, 0);
    await waitFor(() => expect(live(h.fake)).toBe(0));
    expect(h.controller.autoscaleStatus('web')).toMatchObject({ scaledToZero: true, desired: 0 });
    expect(h.events.filter((event) => event.type === 'autoscale.decision').at(-1)).toMatchObject({ data: { from: 1, to: 0, reason: 'idle' } });

    h.fake.holdRequest('web');
    await waitFor(() => expect(live(h.fake)).toBe(1));
    expect(h.events.filter((event) => event.type === 'autoscale.decision').at(-1)).toMatchObject({ data: { from: 0, to: 1, reason: 'wake' } });
    expect(h.controller.autoscaleStatus('web')).toMatchObject({ scaledToZero: false, desired: 1 });
  });

  it('a restarted control plane leaves a service at zero until a request wakes it; a first start runs the spec count', async () => {
    // Restarted: the data plane was adopted and no instance of web runs (it had scaled to zero).
    const restarted = harness({ adoptedDataPlane: true });
    await restarted.controller.start(environment(web({ ...policy, min: 0 })));
    await restarted.controller.idle();
    expect(live(restarted.fake)).toBe(0);
    expect(restarted.controller.autoscaleStatus('web')).toMatchObject({ scaledToZero: true, desired: 0 });
    restarted.fake.holdRequest('web');
    await waitFor(() => expect(live(restarted.fake)).toBe(1));

    // A first start (nothing adopted) runs the spec's count until the service idles.
    const fresh = harness();
    await fresh.controller.start(environment(web({ ...policy, min: 0 })));
    await waitFor(() => expect(live(fresh.fake)).toBe(1));
  });

  it('holds the count during a rollout and takes the autoscaled count into it', async () => {
    const h = harness();
    await h.controller.start(environment(web(policy)));
    await run(h, 2000, 15);
    await waitFor(() => expect(live(h.fake)).toBe(3));
    // The next release, slowly: instances stay starting, so the rollout is under way.
    h.controller.setDesired(environment(web(policy, 'v2')), { trigger: 'deploy', author: 'ana' });
    expect(h.controller.rollouts.deployment('web')?.next.instances).toBe(3);
    const decisions = h.events.filter((event) => event.type === 'autoscale.decision').length;
    await run(h, 1000, 100);
    expect(h.events.filter((event) => event.type === 'autoscale.decision')).toHaveLength(decisions);
  });
});
