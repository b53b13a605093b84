import { describe, expect, it } from 'vitest';
import { defaultAnalysis, strategySchema } from '../spec/schema.js';
import { judgeAnalysis } from './analysis.js';
import { judgeSoFar } from './analysis-so-far.js';
import { histogramOf } from './histogram.js';
import { World } from './testing/world.js';

const canarySpec = (steps: unknown[], extra: Record<string, unknown> = {}) => strategySchema.parse({ type: 'canary', steps, ...extra });

/** A real verdict from the default analysis over `requests` requests with `errors` failures. */
function verdict(requests: number, errors: number) {
  const latencies = Array.from({ length: requests }, (_, index) => 10 + (index % 20));
  const window = { requests, errors, latency: histogramOf(latencies) };
  return judgeAnalysis(defaultAnalysis, { canary: window, stable: window });
}

const steps = [{ weight: 20 }, { pause: '30s' }, { analysis: 'default' }, { weight: 50 }, { pause: {} }];

describe('canary', () => {
  it('walks weight, pause, analysis, weight, pause-until-resumed, then moves all traffic and drains the stable release', () => {
    const world = new World({ strategy: canarySpec(steps), desired: 4, stable: 'v1', next: 'v2' });
    const rows: string[] = [];
    const record = () => {
      const plan = world.step();
      const weights = plan.traffic.kind === 'split' ? JSON.stringify(plan.traffic.weights) : plan.traffic.kind;
      rows.push(`${plan.cursor.step} ${plan.phase} ${weights} start=${plan.start.map((s) => `${s.release}x${s.count}`).join(',')} drain=${plan.drain.length}`);
      return plan;
    };
    record(); // 20% needs one canary instance
    world.set('v2', 'starting', 'ready');
    const pausing = record();
    expect(pausing.wakeAt).toBe(world.now + 30_000);
    world.now += 30_000;
    const analysing = record();
    expect(analysing.analysis).toEqual({ name: 'default', step: 2, since: world.now });
    world.analysis = { step: 2, verdict: verdict(10, 0) };
    record(); // inconclusive: too few requests, still analysing
    world.analysis = { step: 2, verdict: verdict(500, 1) };
    record(); // pass: on to 50%, two canary instances
    world.set('v2', 'starting', 'ready');
    record(); // 50% in force, paused until resumed
    world.now += 5_000;
    world.requests = { ...world.requests, resumedAt: world.now };
    record(); // scale to all
    world.set('v2', 'starting', 'ready');
    record(); // promoted: stable drained
    world.stopped();
    record();
    expect(rows).toEqual([
      '0 progressing {"v1":100} start=v2x1 drain=0',
      '1 paused {"v1":80,"v2":20} start= drain=0',
      '2 analysing {"v1":80,"v2":20} start= drain=0',
      '2 analysing {"v1":80,"v2":20} start= drain=0',
      '3 progressing {"v1":80,"v2":20} start=v2x1 drain=0',
      '4 paused {"v1":50,"v2":50} start= drain=0',
      '5 progressing {"v1":50,"v2":50} start=v2x2 drain=0',
      '5 promoted {"v2":100} start= drain=4',
      '6 completed {"v2":100} start= drain=0',
    ]);
  });

  it('an analysis failed before its window ends aborts, naming the check that failed', () => {
    const world = new World({ strategy: canarySpec([{ weight: 25 }, { analysis: 'default' }, { weight: 100 }]), desired: 4, stable: 'v1', next: 'v2' });
    world.step();
    world.set('v2', 'starting', 'ready');
    world.step();
    const canary = { requests: 30, errors: 9, latency: histogramOf(Array.from({ length: 30 }, () => 10)) };
    const stable = { requests: 270, errors: 0, latency: histogramOf(Array.from({ length: 270 }, () => 10)) };
    world.analysis = { step: 1, verdict: judgeSoFar(defaultAnalysis, { canary, stable }, 3000) };
    const plan = world.step();
    expect(plan.phase).toBe('aborted');
    expect(plan.reason).toMatch(/^analysis "default" failed: errorRate 30% \(9 of 30\) conclusively above max 1% \(sequential test: [^)]+\); all traffic on v1/);
  });

  it('a failed analysis aborts: all traffic back to stable and the canary drained', () => {
    const world = new World({ strategy: canarySpec([{ weight: 25 }, { analysis: 'default' }, { weight: 100 }]), desired: 4, stable: 'v1', next: 'v2' });
    world.step();
    world.set('v2', 'starting', 'ready');
    expect(world.step().phase).toBe('analysing');
    world.analysis = { step: 1, verdict: verdict(1000, 200) };
    const plan = world.step();
    expect(plan.phase).toBe('aborted');
    expect(plan.traffic).toEqual({ kind: 'split', weights: { v1: 100 } });
    expect(plan.drain).toEqual(['v2-5']);
    expect(plan.reason).toContain('errorRate 20% (200 of 1000) above max 1%');
    expect(plan.reason).not.toContain('p99');
    // Stays aborted whatever comes next.
    world.stopped();
    world.analysis = { step: 1, verdict: verdict(1000, 0) };
    expect(world.step()).toMatchObject({ phase: 'aborted', drain: [], start: [] });
  });

  it('abort by a person at a pause rolls back the same way', () => {
    const world = new World({ strategy: canarySpec([{ weight: 10 }, { pause: {} }]), desired: 2, stable: 'v1', next: 'v2' });
    world.settle((plan) => plan.phase === 'paused');
    world.requests = { ...world.requests, abort: true };
    expect(world.step()).toMatchObject({ phase: 'aborted', traffic: { kind: 'split', weights: { v1: 100 } }, drain: ['v2-3'] });
  });

  it('promote skips the remaining steps', () => {
    const world = new World({ strategy: canarySpec(steps), desired: 2, stable: 'v1', next: 'v2' });
    world.step();
    world.requests = { ...world.requests, promote: true };
    const plan = world.step();
    expect(plan.cursor.step).toBe(steps.length);
    expect(plan.start).toEqual([{ release: 'v2', count: 1 }]);
    expect(world.settle((p) => p.phase === 'completed').traffic).toEqual({ kind: 'split', weights: { v2: 100 } });
  });

  it('a person pause holds a timed pause past its end', () => {
    const world = new World({ strategy: canarySpec([{ weight: 10 }, { pause: '10s' }, { weight: 50 }]), desired: 4, stable: 'v1', next: 'v2' });
    world.settle((plan) => plan.phase === 'paused');
    world.requests = { ...world.requests, paused: true };
    world.now += 60_000;
    expect(world.step()).toMatchObject({ phase: 'paused', cursor: { step: 1 }, start: [] });
    world.requests = { ...world.requests, paused: false, resumedAt: world.now };
    expect(world.step().cursor.step).toBe(2);
  });

  it('sends matching requests to the canary while it runs, and gives it no weight before it is ready', () => {
    const match = { header: { name: 'x-internal', value: '1' } };
    const world = new World({ strategy: canarySpec([{ weight: 0 }, { pause: {} }], { match }), desired: 3, stable: 'v1', next: 'v2' });
    const starting = world.step();
    expect(starting.matches).toEqual([]);
    expect(starting.traffic).toEqual({ kind: 'split', weights: { v1: 100 } });
    world.set('v2', 'starting', 'ready');
    expect(world.step().matches).toEqual([{ match: { kind: 'header', name: 'x-internal', value: '1' }, release: 'v2' }]);
  });

  it('a crashed canary instance takes its weight away until it is back', () => {
    const world = new World({ strategy: canarySpec([{ weight: 30 }, { pause: {} }]), desired: 3, stable: 'v1', next: 'v2' });
    world.settle((plan) => plan.phase === 'paused');
    world.set('v2', 'ready', 'crashed');
    expect(world.step()).toMatchObject({ phase: 'paused', start: [], traffic: { kind: 'split', weights: { v1: 100 } } });
  });

  it('stops at a weight step whose new instance cannot become ready (image not pullable, or crash-looping), saying why; goes on once it recovers; abort rolls back', () => {
    const world = new World({ strategy: canarySpec([{ weight: 30 }, { pause: {} }]), desired: 3, stable: 'v1', next: 'v2' });
    world.settle((plan) => plan.start.some((start) => start.release === 'v2'));
    world.crash('v2', 'ImagePullBackOff: Back-off pulling image "r/web@sha256:ab"', 0);
    const stopped = world.step();
    expect(stopped).toMatchObject({ phase: 'paused', traffic: { kind: 'split', weights: { v1: 100 } } });
    expect(stopped.reason).toMatch(/^step 1 of 2, 0% on v2: stopped: .+ of v2 cannot become ready: ImagePullBackOff: Back-off pulling image "r\/web@sha256:ab"; `skiff rollout abort` goes back to v1$/);
    // A crash or two is waited out (the restart may work); a third in a row is not.
    world.set('v2', 'crashed', 'starting');
    world.crash('v2', 'CrashLoopBackOff: back-off 10s', 2);
    expect(world.step().phase).toBe('progressing');
    world.set('v2', 'crashed', 'starting');
    world.crash('v2', 'CrashLoopBackOff: back-off 20s', 3);
    expect(world.step()).toMatchObject({ phase: 'paused', reason: expect.stringContaining('cannot become ready: CrashLoopBackOff: back-off 20s') });
    world.set('v2', 'crashed', 'ready');
    expect(world.step().phase).toBe('paused');
    expect(world.last?.reason).toContain('paused until resumed');
    world.requests = { ...world.requests, abort: true };
    expect(world.step()).toMatchObject({ phase: 'aborted', traffic: { kind: 'split', weights: { v1: 100 } } });
  });

  it('on a first deploy goes straight to the new release', () => {
    const world = new World({ strategy: canarySpec(steps), desired: 2, next: 'v1' });
    expect(world.step().start).toEqual([{ release: 'v1', count: 2 }]);
    expect(world.settle((plan) => plan.phase === 'completed').traffic).toEqual({ kind: 'split', weights: { v1: 100 } });
  });
});
