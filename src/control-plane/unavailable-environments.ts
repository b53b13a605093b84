/**
 * Environments whose provider could not start (a cluster unreachable, credentials refused, a
 * namespace missing): why, for status and events, and a retry with back-off until it starts.
 */
import type { SkiffError } from '../core/errors.js';
import type { NewEvent } from '../store/state-store.js';

export interface EnvironmentUnavailable {
  readonly code: string;
  readonly message: string;
  readonly hint: string | null;
  /** When the first failure in a row happened (ms since epoch). */
  readonly since: number;
  /** Failed starts in a row. */
  readonly attempts: number;
}

export interface UnavailableEnvironmentsDeps {
  readonly emit: (event: NewEvent) => void;
  readonly now: () => number;
  /** First retry delay, doubled up to `maxRetryMs`. */
  readonly firstRetryMs?: number;
  readonly maxRetryMs?: number;
}

export class UnavailableEnvironments {
  private readonly entries = new Map<string, EnvironmentUnavailable>();
  private readonly retries = new Map<string, () => Promise<void>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private changes = 0;
  private closed = false;

  constructor(private readonly deps: UnavailableEnvironmentsDeps) {}

  get version(): number {
    return this.changes;
  }

  of(environment: string): EnvironmentUnavailable | null {
    return this.entries.get(environment) ?? null;
  }

  /** What to run to try the environment again: the latest call that wanted it started. */
  retryWith(environment: string, retry: () => Promise<void>): void {
    this.retries.set(environment, retry);
    this.clearTimer(environment);
  }

  failed(environment: string, error: SkiffError): void {
    const previous = this.entries.get(environment);
    const entry: EnvironmentUnavailable = {
      code: error.code,
      message: error.message,
      hint: error.hint ?? null,
      since: previous?.since ?? this.deps.now(),
      attempts: (previous?.attempts ?? 0) + 1,
    };
    this.entries.set(environment, entry);
    this.changes += 1;
    if (previous?.code !== entry.code || previous.message !== entry.message) {
      this.deps.emit({
        type: 'environment.unavailable',
        environment,
        message: `environment ${environment} cannot run on its provider: ${error.message} [${error.code}]${error.hint ? `; ${error.hint}` : ''}`,
        data: { code: error.code, hint: error.hint ?? null },
      });
    }
    this.schedule(environment, entry.attempts);
  }

  recovered(environment: string): void {
    this.clearTimer(environment);
    this.retries.delete(environment);
    const previous = this.entries.get(environment);
    if (!previous) return;
    this.entries.delete(environment);
    this.changes += 1;
    this.deps.emit({ type: 'environment.available', environment, message: `environment ${environment} runs on its provider again (after ${previous.attempts} failed start(s))` });
  }

  close(): void {
    this.closed = true;
    for (const environment of [...this.timers.keys()]) this.clearTimer(environment);
  }

  private schedule(environment: string, attempts: number): void {
    const retry = this.retries.get(environment);
    if (this.closed || !retry) return;
    const first = this.deps.firstRetryMs ?? 2_000;
    const delay = Math.min(first * 2 ** Math.min(attempts - 1, 10), this.deps.maxRetryMs ?? 60_000);
    this.clearTimer(environment);
    const timer = setTimeout(() => {
      this.timers.delete(environment);
      // Failures are recorded by the retry itself (it goes through `failed` again).
      void retry().catch(() => undefined);
    }, delay);
    timer.unref();
    this.timers.set(environment, timer);
  }

  private clearTimer(environment: string): void {
    const timer = this.timers.get(environment);
    if (timer) clearTimeout(timer);
    this.timers.delete(environment);
  }
}
