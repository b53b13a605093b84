/** Copies against real backends: bounded concurrency (dropped copies counted), timeouts, bodies too large to compare. */
import { afterEach, describe, expect, it } from 'vitest';
import { startBackend, waitFor, type TestBackend } from '../test-fixtures.js';
import { Upstream } from '../upstreams.js';
import type { CapturedAnswer } from './compare.js';
import { MirrorSettings } from './mirror-settings.js';
import { ParallelRuns, type MirrorJob } from './parallel-runs.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function target(name: string): Promise<{ backend: TestBackend; upstream: Upstream }> {
  const backend = await startBackend(name);
  const upstream = new Upstream(`127.0.0.1:${backend.port}`, { connectTimeoutMs: 1_000 });
  cleanups.push(() => backend.kill(), async () => upstream.poolCreated?.destroy());
  return { backend, upstream };
}

const settings = new MirrorSettings({ candidateRelease: 'v2', percent: 100, methods: ['GET'], compareHeaders: [], ignoreFields: ['url'] });

function job(path: string, candidate: Upstream | undefined, trusted: CapturedAnswer, headers: string[] = []): MirrorJob {
  return {
    route: 'dev/app/0',
    environment: 'dev',
    service: 'app',
    settings,
    method: 'GET',
    path,
    headers,
    body: null,
    trusted,
    candidate: candidate === undefined ? undefined : { id: 'c', upstream: candidate },
    noise: undefined,
  };
}

const json = (body: unknown): CapturedAnswer => ({ status: 200, headers: new Map([['content-type', 'application/json']]), body: Buffer.from(JSON.stringify(body)) });

describe('parallel-run copies', () => {
  it('drops copies beyond the concurrency bound and counts them, keeping the address busy meanwhile', async () => {
    const { backend, upstream } = await target('c');
    const runs = new ParallelRuns({ maxInFlight: 1, timeoutMs: 5_000 });
    const trusted = json({ backend: 'c', body: '' });
    const first = runs.run(job('/held', upstream, trusted, ['x-hold', '1']));
    await waitFor(() => backend.heldCount() === 1, 5_000, 'the first copy to arrive');
    expect(upstream.inFlight).toBe(1);
    await runs.run(job('/second', upstream, trusted));
    backend.releaseHeld();
    await first;
    expect(upstream.inFlight).toBe(0);
    const [counts] = runs.snapshot().routes;
    expect(counts).toMatchObject({ mirrored: 2, dropped: 1 });
    expect(counts!.endpoints['GET /held']).toMatchObject({ compared: 1, outcomes: { '': 1 } });
    expect(counts!.endpoints['GET /second']).toBeUndefined();
    // The copy carried the request headers and said it is a copy.
    expect(backend.seen[0]!.headers['x-skiff-mirror']).toBe('candidate');
  });

  it('gives up on a copy at its timeout and records it as a status difference', async () => {
    const { upstream } = await target('c');
    const runs = new ParallelRuns({ timeoutMs: 150 });
    await runs.run(job('/slow', upstream, json({}), ['x-hold', '1']));
    const difference = runs.snapshot().routes[0]!.endpoints['GET /slow']!.keys.status;
    expect(difference).toMatchObject({ count: 1, samples: [{ path: '/slow', trusted: '200', candidate: 'no answer (timeout)' }] });
  });

  it('compares only status and headers when the copy’s body is beyond 1 MiB', async () => {
    const { upstream } = await target('c');
    const runs = new ParallelRuns();
    const big: CapturedAnswer = { status: 200, headers: new Map([['content-type', 'application/octet-stream']]), body: Buffer.alloc(10) };
    await runs.run(job(`/big?bytes=${2 * 1024 * 1024}`, upstream, big));
    expect(runs.snapshot().routes[0]).toMatchObject({ tooLarge: 1, endpoints: { 'GET /big': { compared: 1, outcomes: { '': 1 } } } });
  });

  it('counts a copy whose candidate has no ready instance as dropped', async () => {
    const runs = new ParallelRuns();
    await runs.run(job('/x', undefined, json({})));
    expect(runs.snapshot().routes[0]).toMatchObject({ mirrored: 1, dropped: 1, endpoints: {} });
  });
});
