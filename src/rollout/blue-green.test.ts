import { describe, expect, it } from 'vitest';
import { strategySchema } from '../spec/schema.js';
import { World } from './testing/world.js';

const blueGreen = (extra: Record<string, unknown> = {}) => strategySchema.parse({ type: 'blue-green', keepOld: '10m', ...extra });
const preview = { match: { kind: 'header', name: 'x-skiff-preview', value: '1' }, release: 'v2' };

describe('blue-green', () => {
  it('starts the new release in full beside the old, previews it, switches on promote, keeps the old for keepOld, then drains it', () => {
    const world = new World({ strategy: blueGreen(), desired: 2, stable: 'v1', next: 'v2' });
    let plan = world.step();
    expect(plan).toMatchObject({ phase: 'progressing', start: [{ release: 'v2', count: 2 }], drain: [] });
    expect(plan.traffic).toEqual({ kind: 'split', weights: { v1: 100 } });
    expect(plan.preview).toBeUndefined();

    world.set('v2', 'starting', 'ready', 1);
    plan = world.step();
    expect(plan.preview).toEqual(preview);
    expect(plan.phase).toBe('progressing');

    world.set('v2', 'starting', 'ready');
    plan = world.step();
    expect(plan).toMatchObject({ phase: 'paused', preview, traffic: { kind: 'split', weights: { v1: 100 } } });
    expect(plan.reason).toContain('promote');

    world.now += 60_000;
    world.requests = { ...world.requests, promote: true };
    plan = world.step();
    expect(plan).toMatchObject({ phase: 'promoted', drain: [], traffic: { kind: 'split', weights: { v2: 100 } }, wakeAt: world.now + 600_000 });
    expect(plan.preview).toBeUndefined();

    world.now += 599_999;
    expect(world.step().drain).toEqual([]);
    world.now += 1;
    plan = world.step();
    expect(plan).toMatchObject({ phase: 'promoted', drain: ['v1-1', 'v1-2'], traffic: { kind: 'split', weights: { v2: 100 } } });
    world.stopped();
    expect(world.step()).toMatchObject({ phase: 'completed', drain: [], start: [] });
  });

  it('a promote after the switch stops the kept old release at once', () => {
    const world = new World({ strategy: blueGreen(), desired: 2, stable: 'v1', next: 'v2' });
    world.step();
    world.set('v2', 'starting', 'ready');
    expect(world.step().phase).toBe('paused');
    world.requests = { ...world.requests, promote: true, promotedAt: world.now };
    expect(world.step()).toMatchObject({ phase: 'promoted', drain: [] });
    world.now += 5_000;
    world.requests = { ...world.requests, promotedAt: world.now };
    expect(world.step()).toMatchObject({ phase: 'promoted', drain: ['v1-1', 'v1-2'], traffic: { kind: 'split', weights: { v2: 100 } } });
  });

  it('undo while the old release is kept switches all traffic straight back and drains the new one', () => {
    const world = new World({ strategy: blueGreen({ autoPromote: true }), desired: 2, stable: 'v1', next: 'v2' });
    const promoted = world.settle((plan) => plan.phase === 'promoted');
    expect(promoted.traffic).toEqual({ kind: 'split', weights: { v2: 100 } });
    world.now += 30_000;
    world.requests = { ...world.requests, abort: true };
    const plan = world.step();
    expect(plan).toMatchObject({ phase: 'aborted', start: [], traffic: { kind: 'split', weights: { v1: 100 } } });
    expect(plan.drain).toEqual(['v2-3', 'v2-4']);
  });

  it('stops before the switch when a new instance cannot become ready, saying why, even with autoPromote; abort drops it', () => {
    const world = new World({ strategy: blueGreen({ autoPromote: true }), desired: 2, stable: 'v1', next: 'v2' });
    world.step();
    world.set('v2', 'starting', 'ready', 1);
    world.crash('v2', 'CrashLoopBackOff: back-off 20s; last exit: Error (exit code 3)', 3);
    const stopped = world.step();
    expect(stopped).toMatchObject({ phase: 'paused', traffic: { kind: 'split', weights: { v1: 100 } } });
    expect(stopped.reason).toMatch(/^starting v2 beside v1: 1 of 2 ready; stopped: .+ of v2 cannot become ready: CrashLoopBackOff: back-off 20s; last exit: Error \(exit code 3\); `skiff rollout abort` goes back to v1$/);
    world.requests = { ...world.requests, abort: true };
    expect(world.step()).toMatchObject({ phase: 'aborted', traffic: { kind: 'split', weights: { v1: 100 } } });
  });

  it('abort before the switch drops the new release and never moves traffic', () => {
    const world = new World({ strategy: blueGreen(), desired: 1, stable: 'v1', next: 'v2' });
    world.step();
    world.requests = { ...world.requests, abort: true };
    expect(world.step()).toMatchObject({ phase: 'aborted', drain: ['v2-2'], traffic: { kind: 'split', weights: { v1: 100 } } });
  });

  it('a promote asked for early switches as soon as the new release is ready', () => {
    const world = new World({ strategy: blueGreen(), desired: 1, stable: 'v1', next: 'v2' });
    world.requests = { ...world.requests, promote: true };
    expect(world.step().phase).toBe('progressing');
    world.set('v2', 'starting', 'ready');
    expect(world.step().traffic).toEqual({ kind: 'split', weights: { v2: 100 } });
  });

  it('a person pause holds the switch even with autoPromote', () => {
    const world = new World({ strategy: blueGreen({ autoPromote: true }), desired: 1, stable: 'v1', next: 'v2' });
    world.step();
    world.set('v2', 'starting', 'ready');
    world.requests = { ...world.requests, paused: true };
    expect(world.step()).toMatchObject({ phase: 'paused', traffic: { kind: 'split', weights: { v1: 100 } } });
  });

  it('on a first deploy completes once the release is ready', () => {
    const world = new World({ strategy: blueGreen(), desired: 2, next: 'v1' });
    expect(world.settle((plan) => plan.phase === 'completed').traffic).toEqual({ kind: 'split', weights: { v1: 100 } });
  });
});
