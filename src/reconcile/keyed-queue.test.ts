import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.js';

describe('KeyedQueue', () => {
  it('never runs the same key twice at once and reruns a key enqueued while it ran', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const queue = new KeyedQueue({
      work: async () => {
        running += 1;
        runs += 1;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
        running -= 1;
      },
      onError: () => undefined,
    });
    queue.enqueue('a');
    queue.enqueue('a');
    queue.enqueue('a');
    release();
    await queue.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('retries a failing key with backoff and keeps serving other keys', async () => {
    const seen: string[] = [];
    const errors: string[] = [];
    let failures = 0;
    const queue = new KeyedQueue({
      work: async (key) => {
        seen.push(key);
        if (key === 'bad' && failures++ < 2) throw new Error('boom');
      },
      onError: (key) => errors.push(key),
      retryDelayMs: () => 5,
    });
    queue.enqueue('bad');
    queue.enqueue('good');
    const deadline = Date.now() + 2000;
    while (seen.filter((k) => k === 'bad').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    queue.close();
    expect(errors).toEqual(['bad', 'bad']);
    expect(seen.filter((k) => k === 'bad')).toHaveLength(3);
    expect(seen).toContain('good');
  });
});
