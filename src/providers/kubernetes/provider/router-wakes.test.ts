import { afterEach, describe, expect, it } from 'vitest';
import type { RouterAdmin } from './cluster-routers.js';
import { RouterWakes, type WakeSource } from './router-wakes.js';

/** Router replicas whose long polls the test answers: each poll waits until the test gives it services. */
class ScriptedRouters implements WakeSource {
  present: RouterAdmin[] = [];
  readonly waiting = new Map<string, { answer: (services: readonly string[]) => void; signal: AbortSignal }>();
  readonly aborted: string[] = [];
  /** Called after each poll opens or aborts: what `until` waits on (no timers). */
  private readonly changed = new Set<() => void>();

  /** Resolves once `condition` holds, checked as polls open and abort. */
  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!condition()) return;
        this.changed.delete(check);
        resolve();
      };
      this.changed.add(check);
      check();
    });
  }

  private notify(): void {
    for (const check of [...this.changed]) check();
  }

  async replicas(): Promise<readonly RouterAdmin[]> {
    return this.present;
  }

  wakes(admin: RouterAdmin, _waitMs: number, signal: AbortSignal): Promise<readonly string[]> {
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => {
        this.aborted.push(admin.name);
        reject(new Error('aborted'));
        this.notify();
      }, { once: true });
      this.waiting.set(admin.name, { answer: resolve, signal });
      this.notify();
    });
  }

  async answer(name: string, services: readonly string[]): Promise<void> {
    await this.until(() => this.waiting.has(name));
    const poll = this.waiting.get(name);
    if (!poll) throw new Error(`${name} was never polled`);
    this.waiting.delete(name);
    poll.answer(services);
  }
}

const replica = (name: string): RouterAdmin => ({ name, url: `http://${name}:8081` });

let wakes: RouterWakes | undefined;
afterEach(() => wakes?.close());

describe('the wakes of the router replicas', () => {
  it('are heard from whichever replica answers first, without waiting for the others, and polled again after each answer', async () => {
    const routers = new ScriptedRouters();
    routers.present = [replica('router-a'), replica('router-b')];
    wakes = new RouterWakes(routers);
    const stop = new AbortController();

    const first = wakes.take(stop.signal);
    // router-a holds its poll open; router-b has a request held for price.
    await routers.answer('router-b', ['price']);
    expect(await first).toEqual(['price']);
    expect(routers.waiting.has('router-a')).toBe(true);

    // router-b is asked again: its next wake is heard too, twice-marked names once.
    const second = wakes.take(stop.signal);
    await routers.answer('router-b', ['quote', 'quote']);
    expect(await second).toEqual(['quote']);
  });

  it('stop polling a replica that is gone (looked up every few seconds), and all of them when closed', async () => {
    const routers = new ScriptedRouters();
    routers.present = [replica('router-a'), replica('router-b')];
    wakes = new RouterWakes(routers);
    const taking = wakes.take(new AbortController().signal);
    await routers.answer('router-a', ['price']);
    expect(await taking).toEqual(['price']);
    const abortedSoon = async (name: string): Promise<void> => {
      await routers.until(() => routers.aborted.includes(name));
      expect(routers.aborted).toContain(name);
    };
    routers.present = [replica('router-b')];
    await abortedSoon('router-a');
    expect(routers.aborted).not.toContain('router-b');
    wakes.close();
    await abortedSoon('router-b');
  }, 30_000);

  it('give [] when the caller leaves', async () => {
    wakes = new RouterWakes(new ScriptedRouters());
    const leaving = new AbortController();
    const taking = wakes.take(leaving.signal);
    leaving.abort();
    expect(await taking).toEqual([]);
  });
});
