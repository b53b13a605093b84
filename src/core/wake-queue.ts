/**
 * Names waiting to be taken by a long poll: `add` marks a name, `take` resolves with every marked
 * name as soon as there is one (at once when some are marked), or with [] after `timeoutMs` or
 * when its signal aborts. A name marked twice before it is taken is taken once.
 */
export class WakeQueue {
  private pending = new Set<string>();
  private readonly waiters = new Set<(names: readonly string[]) => void>();

  add(name: string): void {
    this.pending.add(name);
    if (this.waiters.size === 0) return;
    const names = this.drain();
    // Every waiter hears of it: more than one poller (a control plane replaced) must not miss one.
    for (const waiter of [...this.waiters]) waiter(names);
  }

  take(timeoutMs: number, signal?: AbortSignal): Promise<readonly string[]> {
    if (this.pending.size > 0) return Promise.resolve(this.drain());
    if (signal?.aborted) return Promise.resolve([]);
    return new Promise((resolve) => {
      const done = (names: readonly string[]): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        this.waiters.delete(done);
        resolve(names);
      };
      const aborted = (): void => done([]);
      const timer = setTimeout(() => done([]), timeoutMs);
      timer.unref?.();
      signal?.addEventListener('abort', aborted, { once: true });
      this.waiters.add(done);
    });
  }

  /** Ends every waiting `take` with []. */
  close(): void {
    for (const waiter of [...this.waiters]) waiter([]);
  }

  private drain(): readonly string[] {
    const names = [...this.pending];
    this.pending = new Set();
    return names;
  }
}
