/**
 * The span processor between the router's spans and the OTLP exporter. The exporter must never
 * slow the router, so spans wait in a bounded queue, go out in batches with one export in flight
 * at a time, and are dropped — and counted — when the queue is full or an export fails. (The
 * SDK's BatchSpanProcessor bounds its queue too, but does not tell how many spans it dropped.)
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';

/** Cumulative counts, kept by the router's metrics so they survive a change of exporter. */
export interface SpanCounts {
  spansExported: number;
  spansDropped: number;
}

export interface SpanQueueOptions {
  /** Spans waiting at most; beyond, new spans are dropped. Default 2,048. */
  readonly maxQueue?: number;
  /** Spans per export. Default 512. */
  readonly batchSize?: number;
  /** A partial batch goes out after this long. Default 1 s. */
  readonly flushEveryMs?: number;
}

/** The exporter's result codes (ExportResultCode.SUCCESS in @opentelemetry/core). */
const exportSucceeded = 0;

export class SpanQueue implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  private exporting = false;
  private timer: NodeJS.Timeout | undefined = undefined;
  private stopped = false;
  private readonly maxQueue: number;
  private readonly batchSize: number;
  private readonly flushEveryMs: number;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly counts: SpanCounts,
    options: SpanQueueOptions = {},
  ) {
    this.maxQueue = options.maxQueue ?? 2_048;
    this.batchSize = options.batchSize ?? 512;
    this.flushEveryMs = options.flushEveryMs ?? 1_000;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped) return;
    if (this.queue.length >= this.maxQueue) {
      this.counts.spansDropped++;
      return;
    }
    this.queue.push(span);
    this.schedule();
  }

  /** A full batch goes out now (unless one is in flight); a partial one when the timer fires. */
  private schedule(): void {
    if (this.queue.length >= this.batchSize) {
      this.exportNext();
    } else if (this.queue.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.exportNext();
      }, this.flushEveryMs);
      this.timer.unref();
    }
  }

  private exportNext(): void {
    if (this.exporting || this.queue.length === 0) return;
    const batch = this.queue.length <= this.batchSize ? this.queue : this.queue.slice(0, this.batchSize);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.batchSize);
    this.exporting = true;
    const done = (ok: boolean): void => {
      this.exporting = false;
      if (ok) this.counts.spansExported += batch.length;
      else this.counts.spansDropped += batch.length;
      if (!this.stopped) this.schedule();
    };
    try {
      this.exporter.export(batch, (result) => done(result.code === exportSucceeded));
    } catch {
      done(false);
    }
  }

  async forceFlush(): Promise<void> {
    this.exportNext();
  }

  /** Sends what is queued (one batch, bounded by the exporter's timeout) and stops. */
  async shutdown(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.exportNext();
    this.stopped = true;
    this.counts.spansDropped += this.queue.length;
    this.queue = [];
    await this.exporter.shutdown();
  }
}
