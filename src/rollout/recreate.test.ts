import { describe, expect, it } from 'vitest';
import { strategySchema } from '../spec/schema.js';
import { World } from './testing/world.js';

const strategy = strategySchema.parse({ type: 'recreate' });

describe('recreate', () => {
  it('stops every old instance, waits until they are gone, then starts the new ones', () => {
    const world = new World({ strategy, desired: 2, stable: 'v1', next: 'v2' });
    const first = world.step();
    expect(first).toMatchObject({ phase: 'progressing', start: [], drain: ['v1-1', 'v1-2'] });
    // Still stopping: nothing new yet, and nothing drained twice.
    expect(world.step()).toMatchObject({ start: [], drain: [] });
    world.stopped();
    expect(world.step().start).toEqual([{ release: 'v2', count: 2 }]);
    world.set('v2', 'starting', 'ready', 1);
    expect(world.step()).toMatchObject({ phase: 'progressing', reason: 'v2: 1 of 2 ready', start: [] });
    world.set('v2', 'starting', 'ready');
    expect(world.step()).toMatchObject({ phase: 'completed', start: [], drain: [] });
  });

  it('waits for a crashed new instance to be restarted rather than starting another', () => {
    const world = new World({ strategy, desired: 1, stable: 'v1', next: 'v2' });
    world.settle(() => world.count('v2') === 1);
    world.set('v2', 'ready', 'crashed');
    world.set('v2', 'starting', 'crashed');
    expect(world.step()).toMatchObject({ phase: 'progressing', start: [] });
  });

  it('rolls back to the old release on abort', () => {
    const world = new World({ strategy, desired: 2, stable: 'v1', next: 'v2' });
    world.settle(() => world.count('v2') === 2);
    world.requests = { ...world.requests, abort: true };
    const plan = world.step();
    expect(plan.phase).toBe('aborted');
    expect(plan.drain).toEqual(['v2-3', 'v2-4']);
    const done = world.settle(() => world.count('v1', 'ready') === 2 && world.count('v2') === 0);
    expect(done.phase).toBe('aborted');
  });
});
