/**
 * Rollouts under load through the router, with the real `skiff up`: rolling, blue-green and
 * canary complete without a failed request even when instances exit at once on SIGTERM; a canary
 * whose new release fails or is slow is rolled back by its analysis; a parallel run reports the
 * one endpoint where two releases differ.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLoad, summary } from './load.js';
import { runLoad, startPlatform, waitFor, waitForRouted } from './platform.js';
import type { InstanceJson, Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

/** A service whose answers depend on its env: VERSION names it, FAIL_EVERY makes every Nth request a 500, DELAY_MS slows it. */
const appServer = `
import http from 'node:http';
let count = 0;
const version = process.env.VERSION ?? '1';
const failEvery = Number(process.env.FAIL_EVERY ?? '0');
const delayMs = Number(process.env.DELAY_MS ?? '0');
const server = http.createServer((req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.url === '/health') return send(200, { ok: true });
  const url = new URL(req.url, 'http://x');
  count += 1;
  const answer = () => {
    if (failEvery > 0 && count % failEvery === 0) return send(500, { error: 'boom', version });
    if (url.pathname === '/price') return send(200, { item: 'tea', price: version === '1' ? 3 : Number(process.env.PRICE ?? '3') });
    if (url.pathname === '/static') return send(200, { service: 'app', items: [1, 2, 3] });
    if (url.pathname === '/noisy') return send(200, { requestId: Math.random().toString(36).slice(2), at: String(process.hrtime.bigint()), items: [1, 2, 3] });
    send(200, { instance: process.env.SKIFF_INSTANCE_ID, release: process.env.SKIFF_RELEASE, version, path: url.pathname });
  };
  if (delayMs > 0) setTimeout(answer, delayMs);
  else answer();
});
server.listen(Number(process.env.PORT), '127.0.0.1');
// A shutdown that is not graceful: exits at once, dropping whatever it holds.
process.on('SIGTERM', () => process.exit(0));
`;

interface ServiceOptions {
  readonly version: string;
  readonly instances?: number;
  readonly strategy: string;
  readonly env?: Record<string, string>;
}

function spec(options: ServiceOptions, extra = ''): string {
  const env = { VERSION: options.version, ...options.env };
  return `name: rollouts
services:
  app:
    path: app
    start: [node, server.mjs]
    instances: ${options.instances ?? 2}
    env: ${JSON.stringify(env)}
    readiness: { http: /health, interval: 200ms, failureThreshold: 2 }
    stopGrace: 2s
    strategy: ${options.strategy}
    routes: [{ path: /app, stripPrefix: true }]
${extra}environments:
  dev: {}
`;
}

async function start(options: ServiceOptions, extra = ''): Promise<Platform> {
  platform = await startPlatform({ spec: spec(options, extra), files: { 'app/server.mjs': appServer } });
  return platform;
}

function token(p: Platform): string | undefined {
  try {
    return fs.readFileSync(path.join(p.dataDir, 'token'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function api<T>(p: Platform, urlPath: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const bearer = token(p);
  const response = await fetch(`${p.apiUrl}${urlPath}`, {
    method: init.method ?? 'GET',
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

interface Rollout {
  id: number;
  strategy: string;
  active: boolean;
  phase: string;
  result: string | null;
  reason: string;
  step: number;
  steps: { kind: string; label: string; state: string }[];
  weights: Record<string, number> | null;
  preview: { name: string; value: string; release: string } | null;
  stable: { release: string };
  next: { release: string };
  analyses: { outcome: string; reason: string; checks: { metric: string; outcome: string }[]; canary: { requests: number; errorRate: number | null; p99: number | null }; stable: { p99: number | null } | null }[];
}

const rollout = async (p: Platform): Promise<Rollout | null> => {
  const answer = await api<Rollout>(p, '/api/v1/environments/dev/services/app/rollout');
  return answer.status === 200 ? answer.body : null;
};

async function instances(p: Platform): Promise<InstanceJson[]> {
  return (await api<{ instances: InstanceJson[] }>(p, '/api/v1/environments/dev/status')).body.instances;
}

async function readyInstances(p: Platform, count: number, release?: string): Promise<InstanceJson[]> {
  return waitFor(`${count} ready instances${release ? ` of ${release}` : ''}`, async () => {
    const all = await instances(p);
    const ready = all.filter((i) => i.state === 'ready' && (release === undefined || i.release === release));
    return all.length === count && ready.length === count ? ready : null;
  }, 30_000);
}

async function events(p: Platform, type: string): Promise<{ type: string; message: string; data: Record<string, unknown> }[]> {
  return (await api<{ type: string; message: string; data: Record<string, unknown> }[]>(p, `/api/v1/events?type=${type}&limit=100`)).body;
}

function apply(p: Platform, options: ServiceOptions, extra = ''): void {
  fs.writeFileSync(path.join(p.specDir, 'skiff.yaml'), spec(options, extra));
  const applied = p.cli(['apply', 'skiff.yaml']);
  expect(applied.code, applied.stderr).toBe(0);
}

/** Waits until the rollout of `release` is over, and returns it. */
async function finished(p: Platform, release: string, timeoutMs = 60_000): Promise<Rollout> {
  return waitFor(`the rollout of ${release} to finish`, async () => {
    const current = await rollout(p);
    return current && current.next.release === release && !current.active ? current : null;
  }, timeoutMs);
}

describe('rollouts', () => {
  it('rolling: replaces every instance under load without a failed request, though instances exit at once on SIGTERM', async () => {
    const p = await start({ version: '1', instances: 3, strategy: '{ type: rolling, maxSurge: 1, maxUnavailable: 0, drainTimeout: 10s }' });
    const before = await readyInstances(p, 3);
    await waitForRouted(p, '/app/', before);
    const loading = runLoad(`${p.routerUrl}/app/`, { durationMs: 8000, connections: 4, maxRequests: 150_000 });
    apply(p, { version: '2', instances: 3, strategy: '{ type: rolling, maxSurge: 1, maxUnavailable: 0, drainTimeout: 10s }' });
    const done = await finished(p, 'v2');
    const load = await loading;
    console.log(`rolling under load: ${summary(load)}`);
    expect(load.failed, summary(load)).toBe(0);
    expect(load.total).toBeGreaterThan(100);
    expect(done).toMatchObject({ strategy: 'rolling', result: 'completed', phase: 'completed', stable: { release: 'v1' } });
    const after = await readyInstances(p, 3, 'v2');
    expect(after.some((i) => before.some((b) => b.id === i.id))).toBe(false);
    expect((await events(p, 'rollout.started')).length).toBe(1);
    expect((await events(p, 'rollout.completed'))[0]?.message).toContain('v2');
    const status = p.cli(['rollout', 'status', 'app', 'dev']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('rolling v1 → v2, completed');

    // `skiff deploy --strategy` chooses the strategy of one release, and follows its rollout until it waits for a person.
    const built = p.cli(['build', 'app']);
    expect(built.code, built.stderr).toBe(0);
    const deployed = p.cli(['deploy', 'app', 'latest', 'dev', '--strategy', 'blue-green']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toContain('rollout of app v3 in dev waits');
    expect(deployed.stderr).toContain('promote to switch all traffic');
    expect(await rollout(p)).toMatchObject({ strategy: 'blue-green', phase: 'paused', stable: { release: 'v2' }, next: { release: 'v3' } });
    const aborted = p.cli(['rollout', 'abort', 'app', 'dev']);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(await finished(p, 'v3')).toMatchObject({ result: 'aborted', weights: { v2: 100 } });
    const again = p.cli(['rollout', 'abort', 'app', 'dev']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('SKIFF_ROLLOUT_FINISHED');
  });

  it('blue-green: the preview header reaches the new release first, promote switches all traffic, undo switches back, with no failed request', async () => {
    const strategy = '{ type: blue-green, keepOld: 5m }';
    const p = await start({ version: '1', strategy });
    await waitForRouted(p, '/app/', await readyInstances(p, 2));
    const load = startLoad(`${p.routerUrl}/app/`, { maxMs: 90_000 });
    apply(p, { version: '2', strategy });
    const waiting = await waitFor('v2 ready beside v1, awaiting promote', async () => {
      const current = await rollout(p);
      return current?.next.release === 'v2' && current.steps[current.step]?.kind === 'awaiting-promote' ? current : null;
    }, 30_000);
    expect(waiting).toMatchObject({ phase: 'paused', weights: { v1: 100 }, preview: { name: 'x-skiff-preview', value: '1', release: 'v2' } });
    const viaPreview = await waitFor('the preview to reach v2', async () => {
      const response = await fetch(`${p.routerUrl}/app/`, { headers: { 'x-skiff-preview': '1' } });
      const body = (await response.json()) as { version: string };
      return body.version === '2' ? body : null;
    });
    expect(viaPreview.version).toBe('2');
    expect(((await (await fetch(`${p.routerUrl}/app/`)).json()) as { version: string }).version).toBe('1');

    // A control plane killed and started again picks the rollout up where it was; the router kept routing.
    await p.kill();
    await p.restart();
    expect(await rollout(p)).toMatchObject({ id: waiting.id, phase: 'paused', step: waiting.step });

    const promoted = p.cli(['rollout', 'promote', 'app', 'dev']);
    expect(promoted.code, promoted.stderr).toBe(0);
    await waitFor('all traffic on v2', async () => {
      const current = await rollout(p);
      return current?.phase === 'promoted' && current.weights?.['v2'] === 100;
    });
    await waitFor('answers from v2 only', async () => {
      const answers = await Promise.all(Array.from({ length: 10 }, async () => ((await (await fetch(`${p.routerUrl}/app/`)).json()) as { version: string }).version));
      return answers.every((version) => version === '2');
    });
    // The old release is kept for the undo: its instances still run.
    expect((await instances(p)).filter((i) => i.release === 'v1' && i.state === 'ready')).toHaveLength(2);

    const undone = p.cli(['rollout', 'undo', 'app', 'dev']);
    expect(undone.code, undone.stderr).toBe(0);
    const back = await finished(p, 'v2');
    expect(back).toMatchObject({ result: 'aborted', weights: { v1: 100 } });
    await readyInstances(p, 2, 'v1');
    const result = await load.stop();
    console.log(`blue-green under load: ${summary(result)}`);
    expect(result.failed, summary(result)).toBe(0);
    expect(result.total).toBeGreaterThan(100);
    expect(result.byVersion['1']).toBeGreaterThan(0);
    expect(result.byVersion['2']).toBeGreaterThan(0);
    expect((await events(p, 'rollout.undone')).length).toBe(1);
    // The desired state went back to v1 too, so the next change does not roll v2 out again.
    const releases = (await api<{ version: string; current: boolean }[]>(p, '/api/v1/environments/dev/services/app/releases')).body;
    expect(releases.find((release) => release.current)?.version).toBe('v1');
  });

  const analyses = `analyses:
  quick:
    window: 2s
    minRequests: 30
    checks:
      - { metric: errorRate, max: 1% }
      - { metric: p99, max: 1s }
  latency:
    window: 2s
    minRequests: 30
    checks:
      - { metric: p99, maxRatioToStable: 1.5 }
`;

  it('canary: a healthy release is promoted all the way, step by step, with no failed request', async () => {
    const strategy = '{ type: canary, steps: [{ weight: 25 }, { analysis: quick }, { weight: 50 }, { pause: 1s }, { analysis: quick }] }';
    const p = await start({ version: '1', strategy }, analyses);
    await waitForRouted(p, '/app/', await readyInstances(p, 2));
    const load = startLoad(`${p.routerUrl}/app/`, { maxMs: 90_000 });
    apply(p, { version: '2', strategy }, analyses);
    const done = await finished(p, 'v2', 80_000);
    const result = await load.stop();
    console.log(`healthy canary under load: ${summary(result)}`);
    expect(result.failed, summary(result)).toBe(0);
    expect(result.total).toBeGreaterThan(100);
    expect(done).toMatchObject({ strategy: 'canary', result: 'completed', weights: { v2: 100 } });
    expect(done.steps.map((step) => step.state)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
    expect(done.analyses.filter((analysis) => analysis.outcome === 'pass')).toHaveLength(2);
    expect(done.analyses.every((analysis) => analysis.canary.requests >= 30)).toBe(true);
    const steps = (await events(p, 'rollout.step')).map((event) => event.data['weights'] as Record<string, number> | null);
    expect(steps).toContainEqual({ v1: 75, v2: 25 });
    expect(steps).toContainEqual({ v1: 50, v2: 50 });
    expect(steps).toContainEqual({ v2: 100 });
    await readyInstances(p, 2, 'v2');
  });

  it('canary: a release answering 5xx to 20% of requests is rolled back by its analysis before 100%; the failed share stays within the canary weight', async () => {
    const strategy = '{ type: canary, steps: [{ weight: 20 }, { analysis: quick }, { weight: 60 }, { analysis: quick }] }';
    const p = await start({ version: '1', strategy }, analyses);
    await waitForRouted(p, '/app/', await readyInstances(p, 2));
    const load = startLoad(`${p.routerUrl}/app/`, { maxMs: 90_000 });
    apply(p, { version: '2', strategy, env: { FAIL_EVERY: '5' } }, analyses);
    const done = await finished(p, 'v2', 60_000);
    await readyInstances(p, 2, 'v1');
    const result = await load.stop();
    const failedShare = result.failed / result.total;
    console.log(`canary with 20% errors at weight 20%: ${result.failed} of ${result.total} requests failed (${(failedShare * 100).toFixed(2)}%)`);
    expect(done).toMatchObject({ result: 'aborted', weights: { v1: 100 } });
    expect(done.reason).toContain('errorRate');
    expect(done.steps.map((step) => step.state)).toEqual(['done', 'failed', 'skipped', 'skipped', 'skipped']);
    const verdict = done.analyses.at(-1);
    expect(verdict?.outcome).toBe('fail');
    expect(verdict?.canary.errorRate).toBeGreaterThan(0.1);
    expect(result.failed).toBeGreaterThan(0);
    expect(failedShare).toBeLessThanOrEqual(0.2);
    const weights = (await events(p, 'rollout.step')).map((event) => (event.data['weights'] as Record<string, number> | null)?.['v2'] ?? 0);
    expect(Math.max(...weights)).toBe(20);
    const analysisEvents = await events(p, 'rollout.analysis');
    expect(analysisEvents.at(-1)?.data).toMatchObject({ outcome: 'fail', analysis: 'quick' });
    expect((await events(p, 'rollout.aborted'))[0]?.message).toContain('errorRate');
    const releases = (await api<{ version: string; current: boolean }[]>(p, '/api/v1/environments/dev/services/app/releases')).body;
    expect(releases.find((release) => release.current)?.version).toBe('v1');
  });

  it('canary: a release slower at p99 than the configured ratio to stable is rolled back', async () => {
    const strategy = '{ type: canary, steps: [{ weight: 50 }, { analysis: latency }] }';
    const p = await start({ version: '1', strategy }, analyses);
    await waitForRouted(p, '/app/', await readyInstances(p, 2));
    const load = startLoad(`${p.routerUrl}/app/`, { maxMs: 90_000 });
    apply(p, { version: '2', strategy, env: { DELAY_MS: '400' } }, analyses);
    const done = await finished(p, 'v2', 60_000);
    const result = await load.stop();
    expect(result.failed, summary(result)).toBe(0);
    expect(done).toMatchObject({ result: 'aborted', weights: { v1: 100 } });
    const verdict = done.analyses.at(-1);
    expect(verdict?.outcome).toBe('fail');
    expect(verdict?.checks[0]).toMatchObject({ metric: 'p99/stable', outcome: 'fail' });
    expect(verdict?.canary.p99).toBeGreaterThanOrEqual(300);
    await readyInstances(p, 2, 'v1');
  });

  it('parallel run: two releases that differ on one endpoint are reported on that endpoint only; clients only get the trusted answers', async () => {
    const strategy = '{ type: rolling }';
    const p = await start({ version: '1', instances: 1, strategy });
    await readyInstances(p, 1, 'v1');
    apply(p, { version: '2', instances: 1, strategy, env: { PRICE: '4' } });
    await finished(p, 'v2');
    await readyInstances(p, 1, 'v2');

    const started = p.cli(['parallel', 'start', 'app', 'dev', '--release', 'v1']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('v1 beside v2');
    // The candidate beside the trusted release, which gets a second instance to measure the noise.
    await waitFor('v1 as candidate and two v2 instances', async () => {
      const all = await instances(p);
      const ready = (release: string) => all.filter((i) => i.release === release && i.state === 'ready').length;
      return ready('v1') === 1 && ready('v2') === 2 && all.length === 3;
    }, 30_000);

    const paths = ['/app/price', '/app/noisy', '/app/static'];
    const prices = new Set<number>();
    let failed = 0;
    type Report = { compared: number; routes: { endpoints: { endpoint: string; compared: number; differences: { key: string; samples: { trusted: string; candidate: string }[] }[] }[]; noiseKeys: string[] }[] };
    const report = await waitFor('each endpoint compared 20 times', async () => {
      for (let index = 0; index < 60; index++) {
        const response = await fetch(`${p.routerUrl}${paths[index % paths.length]}`);
        const body = (await response.json()) as { price?: number };
        if (response.status !== 200) failed += 1;
        if (body.price !== undefined) prices.add(body.price);
      }
      const current = (await api<Report>(p, '/api/v1/environments/dev/services/app/parallel')).body;
      const endpoints = current.routes[0]?.endpoints ?? [];
      return endpoints.length === 3 && endpoints.every((endpoint) => endpoint.compared >= 20) ? current : null;
    }, 60_000);
    expect(failed).toBe(0);
    expect([...prices]).toEqual([4]);
    const [route] = report.routes;
    const differing = route!.endpoints.filter((endpoint) => endpoint.differences.length > 0);
    expect(differing.map((endpoint) => endpoint.endpoint)).toEqual(['GET /price']);
    expect(differing[0]!.differences.map((difference) => difference.key)).toEqual(['body:price']);
    expect(differing[0]!.differences[0]!.samples[0]).toMatchObject({ trusted: '4', candidate: '3' });
    expect(route!.noiseKeys).toEqual(expect.arrayContaining(['body:requestId', 'body:at']));

    const printed = p.cli(['parallel', 'report', 'app', 'dev']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('GET /price');
    expect(printed.stdout).toContain('body:price');
    expect(printed.stdout).not.toContain('GET /static:');

    const stopped = p.cli(['parallel', 'stop', 'app', 'dev']);
    expect(stopped.code, stopped.stderr).toBe(0);
    await readyInstances(p, 1, 'v2');
    const again = await api<{ code: string }>(p, '/api/v1/environments/dev/services/app/parallel');
    expect(again).toMatchObject({ status: 404, body: { code: 'SKIFF_NO_PARALLEL_RUN' } });
  });
});
