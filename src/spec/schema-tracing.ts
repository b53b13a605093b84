/** Distributed tracing: where the router sends its spans (OTLP/HTTP), how many, and where a person reads a trace. */
import { z } from 'zod';

const percentPattern = /^(\d+(?:\.\d+)?)%$/;

/** `10%` or a number of percent; the parsed form (a number) parses again to itself. */
const sampleSchema = z
  .union([z.number(), z.string()])
  .transform((value, ctx): number => {
    const percent = typeof value === 'number' ? value : Number(percentPattern.exec(value.trim())?.[1] ?? NaN);
    if (!(percent >= 0 && percent <= 100)) {
      ctx.addIssue({ code: 'custom', message: `expected a share of requests such as 10% (0% to 100%), got "${String(value)}"` });
      return z.NEVER;
    }
    return percent;
  })
  .describe('share of new traces recorded (10%); a request that arrives with a traceparent follows its sampled flag');

const httpUrl = (what: string) =>
  z.string().refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), `${what} must be an http:// or https:// URL`);

export const tracingSchema = z
  .strictObject({
    otlp: httpUrl('otlp').describe(
      'the OTLP/HTTP collector: its base URL (http://collector:4318, spans go to /v1/traces) or the full traces URL',
    ),
    sample: sampleSchema.default(100),
    ui: httpUrl('ui')
      .refine((text) => text.includes('{traceId}'), 'ui must contain {traceId}, e.g. http://jaeger:16686/trace/{traceId}')
      .optional()
      .describe('a trace viewer URL with {traceId}: the dashboard links log lines that carry a trace id to it'),
  })
  .describe('distributed tracing: the router continues or starts W3C trace context and exports its spans');

export type TracingSpec = z.output<typeof tracingSchema>;

/** The traces URL the exporter posts to: a base URL (no path) gets OTLP's `/v1/traces`. */
export function otlpTracesUrl(otlp: string): string {
  const url = new URL(otlp);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return url.toString();
}
