/**
 * Delivers alert notifications to webhooks: a JSON POST, retried with exponential backoff; each
 * attempt is reported (the monitor records it as an event).
 */

export interface AlertNotification {
  readonly alert: string;
  readonly state: 'firing' | 'resolved';
  readonly severity: 'warning' | 'critical';
  readonly environment: string;
  readonly expr: string;
  readonly value: number | null;
  /** ISO time the condition started holding. */
  readonly since: string | null;
  /** ISO time of this transition. */
  readonly at: string;
  readonly message: string;
}

export interface DeliveryAttempt {
  readonly webhook: string;
  readonly attempt: number;
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
  /** Whether another attempt follows. */
  readonly willRetry: boolean;
}

export interface WebhookNotifierOptions {
  readonly maxAttempts?: number;
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly timeoutMs?: number;
  readonly onAttempt: (notification: AlertNotification, attempt: DeliveryAttempt) => void;
}

export class WebhookNotifier {
  private readonly abort = new AbortController();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: WebhookNotifierOptions) {}

  send(webhook: string, notification: AlertNotification): void {
    const delivery = this.deliver(webhook, notification).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** Stops retrying; attempts in flight are cut. */
  async close(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.pending]);
  }

  /** Resolves when every delivery so far has succeeded or given up (tests). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async deliver(webhook: string, notification: AlertNotification): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    let delay = this.options.firstDelayMs ?? 1_000;
    for (let attempt = 1; attempt <= maxAttempts && !this.abort.signal.aborted; attempt++) {
      let status: number | null = null;
      let error: string | null = null;
      try {
        const response = await fetch(webhook, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'skiff-alerts' },
          body: JSON.stringify(notification),
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs ?? 5_000)]),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch (caught) {
        error = caught instanceof Error ? (caught.cause instanceof Error ? caught.cause.message : caught.message) : String(caught);
      }
      const ok = status !== null && status >= 200 && status < 300;
      const willRetry = !ok && attempt < maxAttempts && !this.abort.signal.aborted;
      this.options.onAttempt(notification, { webhook, attempt, ok, status, error, willRetry });
      if (!willRetry) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      delay = Math.min(delay * 2, this.options.maxDelayMs ?? 30_000);
    }
  }
}
