/**
 * The router's tracer: for each request it continues the client's W3C trace (or starts one),
 * records the router's own span with the OpenTelemetry SDK, and gives the traceparent to send
 * upstream. Sampling is the SDK's parent-based one: a valid incoming traceparent decides by its
 * sampled flag, a new trace by the configured share of trace ids.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, createTraceState, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { RouteEntry, RouteTracing } from '../../core/route-table.js';
import { SpanQueue, type SpanCounts, type SpanQueueOptions } from './span-queue.js';
import { formatTraceparent, parseTraceparent } from './trace-context.js';

/** The router's span for one request and the trace headers that go upstream with it. */
export interface RequestSpan {
  readonly span: Span;
  readonly traceparent: string;
  /** The client's tracestate, re-serialized; undefined when there is none to forward. */
  readonly tracestate: string | undefined;
}

/** The client's trace headers: several tracestate headers are joined with `,`; several traceparents are none (invalid). */
export interface TraceHead {
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
}

export interface RouterTracerOptions extends SpanQueueOptions {
  /** How long one export may take before it counts as failed. Default 5 s. */
  readonly exportTimeoutMs?: number;
}

export class RouterTracer {
  readonly config: RouteTracing;
  private readonly provider: TracerProvider;
  private readonly tracer: Tracer;

  constructor(config: RouteTracing, counts: SpanCounts, options: RouterTracerOptions = {}) {
    this.config = config;
    const exporter = new OTLPTraceExporter({ url: config.otlpUrl, timeoutMillis: options.exportTimeoutMs ?? 5_000 });
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'skiff-router' }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplePercent / 100) }),
      spanProcessors: [new SpanQueue(exporter, counts, options)],
    });
    this.tracer = this.provider.getTracer('skiff-router');
  }

  /**
   * Starts the router's span for a request sent on by `route`. `startMs` is the request's
   * performance.now() at arrival.
   */
  begin(head: TraceHead, method: string, route: Pick<RouteEntry, 'id' | 'service' | 'environment' | 'pathPrefix'>, startMs: number): RequestSpan {
    const attributes: Attributes = {
      'http.request.method': method,
      'http.route': route.pathPrefix,
      'skiff.route': route.id,
      'skiff.service': route.service,
      'skiff.environment': route.environment,
    };
    const { traceparent, tracestate } = head;
    const incoming = parseTraceparent(traceparent);
    // An invalid traceparent starts a new trace, and the tracestate that came with it is dropped.
    const state = incoming !== undefined && tracestate !== undefined ? createTraceState(tracestate) : undefined;
    const context =
      incoming === undefined
        ? ROOT_CONTEXT
        : trace.setSpanContext(ROOT_CONTEXT, {
            traceId: incoming.traceId,
            spanId: incoming.parentId,
            traceFlags: incoming.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
            isRemote: true,
            ...(state === undefined ? {} : { traceState: state }),
          });
    const span = this.tracer.startSpan(`${method} ${route.pathPrefix}`, { kind: SpanKind.SERVER, attributes, startTime: startMs }, context);
    const own = span.spanContext();
    const forwarded = state?.serialize();
    return {
      span,
      traceparent: formatTraceparent(own.traceId, own.spanId, (own.traceFlags & TraceFlags.SAMPLED) !== 0),
      tracestate: forwarded === '' ? undefined : forwarded,
    };
  }

  /** Stops exporting; what is queued gets one last, bounded, try. */
  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}

/**
 * Ends the router's span of a request: `status` is the answer's (0 when the client went away
 * before one), `attempts` the instances tried, `instance` the last of them.
 */
export function endRequestSpan(request: RequestSpan, status: number, attempts: number, instance?: { readonly id: string; readonly release: string }): void {
  const span = request.span;
  if (span.isRecording()) {
    span.setAttribute('http.response.status_code', status);
    span.setAttribute('skiff.retries', attempts > 1 ? attempts - 1 : 0);
    if (instance !== undefined) {
      span.setAttribute('skiff.release', instance.release);
      span.setAttribute('skiff.instance', instance.id);
    }
    if (status >= 500 || status === 0) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: status === 0 ? 'the client went away before the answer' : `status ${status}` });
    }
  }
  span.end();
}
