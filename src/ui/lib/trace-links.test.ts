import { describe, expect, it } from 'vitest';
import { traceLinkParts } from './trace-links.js';

const template = 'http://jaeger:16686/trace/{traceId}';
const id = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('traceLinkParts', () => {
  it('links the trace id of a JSON log line, a key=value line and a traceparent', () => {
    expect(traceLinkParts(`{"level":30,"traceId":"${id}","msg":"paid"}`, template)).toEqual([
      { text: '{"level":30,"traceId":"' },
      { text: id, traceId: id, href: `http://jaeger:16686/trace/${id}` },
      { text: '","msg":"paid"}' },
    ]);
    expect(traceLinkParts(`GET /cart 200 trace_id=${id.toUpperCase()}`, template)).toEqual([
      { text: 'GET /cart 200 trace_id=' },
      { text: id.toUpperCase(), traceId: id, href: `http://jaeger:16686/trace/${id}` },
    ]);
    expect(traceLinkParts(`incoming traceparent 00-${id}-00f067aa0ba902b7-01 ok`, template)).toEqual([
      { text: 'incoming traceparent 00-' },
      { text: id, traceId: id, href: `http://jaeger:16686/trace/${id}` },
      { text: '-00f067aa0ba902b7-01 ok' },
    ]);
  });

  it('leaves lines alone without a viewer, without a trace id, or with an all-zero one', () => {
    expect(traceLinkParts(`traceId=${id}`, null)).toEqual([{ text: `traceId=${id}` }]);
    expect(traceLinkParts('a digest 4bf92f3577b34da6a3ce929d0e0e4736 is no trace id', template)).toEqual([
      { text: 'a digest 4bf92f3577b34da6a3ce929d0e0e4736 is no trace id' },
    ]);
    expect(traceLinkParts(`trace_id=${'0'.repeat(32)}`, template)).toEqual([{ text: `trace_id=${'0'.repeat(32)}` }]);
    expect(traceLinkParts('', template)).toEqual([{ text: '' }]);
  });
});
