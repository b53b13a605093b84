/**
 * A per-key serialized work queue: the same key never runs twice at once; a key enqueued while it
 * runs runs once more afterwards (the worker re-reads the latest state); a failure is reported and
 * retried with backoff, and never stops the queue.
 */
export interface KeyedQueueOptions {
  readonly work: (key: string) => Promise<void>;
  readonly onError: (key: string, error: unknown) => void;
  readonly retryDelayMs?: (attempt: number) => number;
}

export class KeyedQueue {
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: KeyedQueueOptions) {}

  enqueue(key: string): void {
    if (this.closed) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.running.add(key);
    void this.run(key);
  }

  /** Enqueue after a delay (a backoff that ends, a periodic resync). */
  enqueueAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(key);
    }, Math.max(0, delayMs));
    this.timers.add(timer);
  }

  /** Resolves when no key is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async run(key: string): Promise<void> {
    try {
      do {
        this.dirty.delete(key);
        await this.options.work(key);
        this.failures.delete(key);
      } while (this.dirty.has(key) && !this.closed);
    } catch (error) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      this.options.onError(key, error);
      const delay = this.options.retryDelayMs?.(attempt) ?? Math.min(30_000, 100 * 2 ** attempt);
      this.running.delete(key);
      this.enqueueAfter(key, delay);
      return;
    }
    this.running.delete(key);
  }
}
