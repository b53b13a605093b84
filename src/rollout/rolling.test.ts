import { describe, expect, it } from 'vitest';
import { strategySchema } from '../spec/schema.js';
import { World } from './testing/world.js';

const rollingSpec = (extra: Record<string, unknown> = {}) => strategySchema.parse({ type: 'rolling', ...extra });

describe('rolling', () => {
  it('replaces 3 instances one at a time, draining an old one only after its replacement is ready', () => {
    const world = new World({ strategy: rollingSpec(), desired: 3, stable: 'v1', next: 'v2' });
    const rows: string[] = [];
    const snap = () => `${world.count('v1')} v1 (${world.count('v1', 'ready')} ready), ${world.count('v2')} v2 (${world.count('v2', 'ready')} ready)`;
    let plan = world.step();
    rows.push(`${plan.phase}: ${snap()}`);
    expect(plan.start).toEqual([{ release: 'v2', count: 1 }]);
    expect(plan.drain).toEqual([]);
    // Nothing moves while the new instance is starting.
    plan = world.step();
    expect(plan.start).toEqual([]);
    expect(plan.drain).toEqual([]);
    for (let round = 0; round < 3; round++) {
      world.set('v2', 'starting', 'ready');
      plan = world.step();
      rows.push(`${plan.phase}: ${snap()}`);
      world.stopped();
    }
    plan = world.step();
    rows.push(`${plan.phase}: ${snap()}`);
    expect(rows).toEqual([
      'progressing: 3 v1 (3 ready), 1 v2 (0 ready)',
      'progressing: 3 v1 (2 ready), 2 v2 (1 ready)',
      'progressing: 2 v1 (1 ready), 3 v2 (2 ready)',
      'progressing: 1 v1 (0 ready), 3 v2 (3 ready)',
      'completed: 0 v1 (0 ready), 3 v2 (3 ready)',
    ]);
    expect(plan.traffic).toEqual({ kind: 'spread' });
  });

  it('stops when a new instance cannot become ready (image not pullable, crash-looping), drains no ready instance for it, says why; abort rolls back', () => {
    const world = new World({ strategy: rollingSpec({ maxSurge: 1, maxUnavailable: 1 }), desired: 2, stable: 'v1', next: 'v2' });
    world.step();
    world.stopped();
    expect(world.count('v1', 'ready')).toBe(1);
    // One new instance is ready, which would let the last old one go; the other cannot start.
    world.set('v2', 'starting', 'ready', 1);
    world.crash('v2', 'ImagePullBackOff: Back-off pulling image "r/web@sha256:ab"', 0);
    const stopped = world.step();
    expect(stopped).toMatchObject({ phase: 'paused', drain: [] });
    expect(stopped.reason).toMatch(/; stopped: .+ of v2 cannot become ready: ImagePullBackOff: Back-off pulling image "r\/web@sha256:ab"; `skiff rollout abort` goes back to v1$/);
    world.set('v2', 'crashed', 'starting');
    world.crash('v2', 'CrashLoopBackOff: back-off 20s; last exit: Error (exit code 3)', 3);
    expect(world.step()).toMatchObject({ phase: 'paused', drain: [], reason: expect.stringContaining('cannot become ready: CrashLoopBackOff: back-off 20s') });
    expect(world.count('v1', 'ready')).toBe(1);
    world.requests = { ...world.requests, abort: true };
    const aborted = world.step();
    expect(aborted.phase).toBe('aborted');
    expect(world.count('v2', 'crashed')).toBe(0);
  });

  it('with maxSurge 0 and maxUnavailable 1 drains first, then starts the replacement', () => {
    const world = new World({ strategy: rollingSpec({ maxSurge: 0, maxUnavailable: 1 }), desired: 2, stable: 'v1', next: 'v2' });
    const plan = world.step();
    expect(plan.drain).toHaveLength(1);
    expect(plan.start).toEqual([{ release: 'v2', count: 1 }]);
    expect(world.settle((p) => p.phase === 'completed').phase).toBe('completed');
  });

  it('with shares of 4 instances (50% surge) starts 2 at once', () => {
    const world = new World({ strategy: rollingSpec({ maxSurge: '50%', maxUnavailable: '25%' }), desired: 4, stable: 'v1', next: 'v2' });
    const plan = world.step();
    // 25% of 4 may be unavailable: one old instance goes at once; 4 + 2 live at most.
    expect(plan.drain).toHaveLength(1);
    expect(plan.start).toEqual([{ release: 'v2', count: 3 }]);
  });

  it('does not count a crashed new instance as ready, so no old one is drained for it', () => {
    const world = new World({ strategy: rollingSpec(), desired: 2, stable: 'v1', next: 'v2' });
    world.step();
    world.set('v2', 'starting', 'crashed');
    const plan = world.step();
    expect(plan.drain).toEqual([]);
    expect(plan.start).toEqual([]);
    expect(plan.phase).toBe('progressing');
    // The supervisor restarts it; once ready the rollout moves on.
    world.set('v2', 'crashed', 'ready');
    expect(world.step().drain).toEqual(['v1-1']);
  });

  it('drains a crashed old instance at once: it serves nothing', () => {
    const world = new World({ strategy: rollingSpec(), desired: 2, stable: 'v1', next: 'v2' });
    world.set('v1', 'ready', 'crashed', 1);
    const plan = world.step();
    expect(plan.drain).toEqual(['v1-1']);
    expect(plan.start).toEqual([{ release: 'v2', count: 2 }]);
  });

  it('holds still while a person pauses, and goes on when resumed', () => {
    const world = new World({ strategy: rollingSpec(), desired: 2, stable: 'v1', next: 'v2' });
    world.step();
    world.set('v2', 'starting', 'ready');
    world.requests = { ...world.requests, paused: true };
    const paused = world.step();
    expect(paused).toMatchObject({ phase: 'paused', start: [], drain: [] });
    world.requests = { ...world.requests, paused: false, resumedAt: world.now };
    expect(world.step().drain).toEqual(['v1-1']);
  });

  it('rolls back towards the old release when a person aborts, within the same limits', () => {
    const world = new World({ strategy: rollingSpec(), desired: 2, stable: 'v1', next: 'v2' });
    world.settle(() => world.count('v1') === 1 && world.count('v2', 'ready') === 2);
    world.requests = { ...world.requests, abort: true };
    const plan = world.step();
    expect(plan.phase).toBe('aborted');
    expect(plan.start).toEqual([{ release: 'v1', count: 1 }]);
    expect(plan.drain).toEqual([]);
    const done = world.settle((p) => world.count('v2') === 0 && world.count('v1', 'ready') === 2 && p.drain.length === 0);
    expect(done.phase).toBe('aborted');
    expect(done.cursor.aborted?.reason).toBe('aborted by a person');
  });

  it('on a first deploy just starts the desired count', () => {
    const world = new World({ strategy: rollingSpec(), desired: 3, next: 'v1' });
    expect(world.step().start).toEqual([{ release: 'v1', count: 3 }]);
    expect(world.settle((p) => p.phase === 'completed').reason).toBe('v1: 3 of 3 ready; 0 old instance(s) left');
  });
});
