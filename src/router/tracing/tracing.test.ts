/**
 * Distributed tracing end to end: the built router process (two workers) in front of a real
 * service process, exporting its spans over OTLP/HTTP to a real receiver in the test.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RouteTable } from '../../core/route-table.js';
import { checkPromtool } from '../../core/testing/promtool.js';
import { fetchRouterMetrics, publishRouteTable } from '../admin-client.js';
import { metricValue, refusedPort, route, table, TestClient, waitFor } from '../test-fixtures.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../testing/otlp-receiver.js';
import { processScope } from '../testing/processes.js';
import { parseTraceparent } from './trace-context.js';

const scope = processScope('skiff-tracing-');

/** A service that answers with the trace headers it got. */
const echoService = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ traceparent: req.headers.traceparent ?? null, tracestate: req.headers.tracestate ?? null }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

interface Seen {
  readonly traceparent: string | null;
  readonly tracestate: string | null;
}

async function startEchoService(): Promise<number> {
  const script = join(scope.dir, 'echo-service.mjs');
  await writeFile(script, echoService);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  scope.children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let port = 0;
  await waitFor(() => {
    const line = output.split('\n').find((l) => l.startsWith('{'));
    if (line !== undefined) port = (JSON.parse(line) as { port: number }).port;
    return port > 0;
  }, 10_000, 'the echo service to listen');
  return port;
}

async function receiver(): Promise<OtlpReceiver> {
  const started = await startOtlpReceiver();
  scope.cleanups.push(() => started.close());
  return started;
}

/** The router process with a table routing `/` to the echo service, tracing as given; and a client of it. */
async function tracedRouter(tracing: RouteTable['tracing'], workers = 2): Promise<{ client: TestClient; socket: string }> {
  const port = await startEchoService();
  const router = scope.spawnRouter(['--workers', String(workers)]);
  const client = new TestClient(`http://127.0.0.1:${await router.port()}`);
  scope.cleanups.push(() => client.close());
  const backend = { id: 'dev-app-1', release: 'v3', host: '127.0.0.1', port };
  await publishRouteTable(router.socket, { ...table(1, [route({ id: 'dev/app/0', backends: [backend] })]), ...(tracing ? { tracing } : {}) });
  return { client, socket: router.socket };
}

async function seen(client: TestClient, path: string, init: Parameters<TestClient['send']>[1] = {}): Promise<Seen> {
  const answer = await client.send(path, init);
  expect(answer.status).toBe(200);
  return answer.json<Seen>();
}

/** The router's span that the instance saw as its parent. */
function parentSpanOf(spans: readonly ReceivedSpan[], got: Seen): ReceivedSpan | undefined {
  const context = parseTraceparent(got.traceparent ?? undefined);
  return spans.find((span) => span.spanId === context?.parentId && span.traceId === context.traceId);
}

describe('distributed tracing through the router process', () => {
  it("exports one span per request, the instance's parent, from the fast path and node:http's path alike", async () => {
    const otlp = await receiver();
    const { client } = await tracedRouter({ otlpUrl: otlp.url, samplePercent: 100 });
    const answers: Seen[] = [];
    for (let i = 0; i < 10; i++) answers.push(await seen(client, `/fast/${i}`));
    // A request with a body is served by node:http and undici, not the fast path.
    for (let i = 0; i < 5; i++) answers.push(await seen(client, `/slow/${i}`, { method: 'POST', body: 'x' }));

    await waitFor(() => otlp.spans.length >= answers.length, 20_000, 'the spans of every request');
    expect(otlp.spans).toHaveLength(answers.length);
    for (const got of answers) {
      const context = parseTraceparent(got.traceparent ?? undefined);
      expect(context?.sampled).toBe(true);
      const span = parentSpanOf(otlp.spans, got);
      expect(span, `the router span of ${got.traceparent}`).toBeDefined();
      // A request without traceparent starts a trace: the router's span is its root.
      expect(span!.parentSpanId).toBe('');
      expect(span!.serviceName).toBe('skiff-router');
      expect(span!.kind).toBe(2); // SERVER
      expect(span!.statusCode).toBe(0);
      expect(span!.durationNs).toBeGreaterThan(0n);
      expect(span!.attributes).toMatchObject({
        'skiff.route': 'dev/app/0',
        'skiff.service': 'app',
        'skiff.environment': 'dev',
        'skiff.release': 'v3',
        'skiff.instance': 'dev-app-1',
        'skiff.retries': 0,
        'http.response.status_code': 200,
        'http.route': '/',
      });
    }
    expect(new Set(otlp.spans.map((span) => span.traceId)).size).toBe(answers.length);
    expect(otlp.spans.filter((span) => span.name === 'POST /')).toHaveLength(5);
  });

  it('continues an incoming trace with its tracestate, and replaces an invalid traceparent with a new trace', async () => {
    const otlp = await receiver();
    const { client } = await tracedRouter({ otlpUrl: otlp.url, samplePercent: 100 });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const incoming = { traceparent: `00-${traceId}-${parentId}-01`, tracestate: 'congo=t61rcWkgMzE, rojo=00f067aa0ba902b7' };
    const continued = [await seen(client, '/a', { headers: incoming }), await seen(client, '/b', { method: 'POST', body: 'x', headers: incoming })];
    const invalid = { traceparent: `00-${traceId.toUpperCase()}-${parentId}-01`, tracestate: 'congo=t61rcWkgMzE' };
    const replaced = [await seen(client, '/c', { headers: invalid }), await seen(client, '/d', { method: 'POST', body: 'x', headers: invalid })];

    await waitFor(() => otlp.spans.length >= 4, 20_000, 'four spans');
    for (const got of continued) {
      const context = parseTraceparent(got.traceparent ?? undefined);
      expect(context?.traceId).toBe(traceId);
      expect(context?.parentId).not.toBe(parentId);
      expect(got.tracestate).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
      expect(parentSpanOf(otlp.spans, got)?.parentSpanId).toBe(parentId);
    }
    for (const got of replaced) {
      const context = parseTraceparent(got.traceparent ?? undefined);
      expect(context?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(context?.traceId).not.toBe(traceId);
      // The tracestate of an invalid traceparent is dropped with it.
      expect(got.tracestate).toBeNull();
      expect(parentSpanOf(otlp.spans, got)?.parentSpanId).toBe('');
    }
  });

  it("at 0% records nothing of its own but follows a sampled parent; trace context still reaches the instance", async () => {
    const otlp = await receiver();
    // One worker: its queue exports in order, so spans recorded before the sampled one would arrive with it.
    const { client } = await tracedRouter({ otlpUrl: otlp.url, samplePercent: 0 }, 1);
    const unsampled: Seen[] = [];
    for (let i = 0; i < 10; i++) unsampled.push(await seen(client, `/n/${i}`));
    unsampled.push(await seen(client, '/p', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' } }));
    const sampled = await seen(client, '/s', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });

    await waitFor(() => otlp.spans.length >= 1, 20_000, 'the span of the sampled parent');
    expect(otlp.spans).toHaveLength(1);
    expect(parentSpanOf(otlp.spans, sampled)?.parentSpanId).toBe('b7ad6b7169203331');
    for (const got of unsampled) {
      const context = parseTraceparent(got.traceparent ?? undefined);
      expect(context?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(context?.sampled).toBe(false);
    }
  });

  it('answers every request while the OTLP endpoint is down, and counts the dropped spans in /metrics', async () => {
    const dead = await refusedPort();
    const { client, socket } = await tracedRouter({ otlpUrl: `http://127.0.0.1:${dead}/v1/traces`, samplePercent: 100 });
    for (let i = 0; i < 30; i++) {
      const got = await seen(client, `/r/${i}`);
      expect(parseTraceparent(got.traceparent ?? undefined)?.sampled).toBe(true);
    }
    let text = '';
    await waitFor(async () => {
      text = await fetchRouterMetrics(socket);
      return (metricValue(text, 'skiff_router_trace_spans_dropped_total') ?? 0) >= 30;
    }, 30_000, 'the dropped spans to be counted');
    expect(metricValue(text, 'skiff_router_trace_spans_dropped_total')).toBe(30);
    expect(metricValue(text, 'skiff_router_trace_spans_exported_total')).toBe(0);
    expect(text).toContain('# TYPE skiff_router_trace_spans_dropped_total counter');
    checkPromtool(text);
  });
});
