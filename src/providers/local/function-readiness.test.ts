/**
 * A function instance's readiness under the instance lifecycle, with the real function driver and
 * runtime (transpiled from the sources): without a readiness probe of its own it is ready as soon
 * as its start resolves (the runtime serves the handler), so a wake from zero waits for no probe;
 * a handler that throws at import or exports no fetch never becomes ready; a declared probe still
 * decides.
 */
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDrivers } from '../../drivers/registry.js';
import { createFunctionDriver } from '../../drivers/function/function-driver.js';
import type { FunctionDriver } from '../../drivers/function/function-driver.js';
import { testBaseEnv } from '../../drivers/testing/fixtures.js';
import { transpileForNode } from '../../drivers/testing/transpile.js';
import { desiredService } from '../../reconcile/testing/deployments.js';
import type { DesiredService } from '../../spec/desired.js';
import { InstanceLifecycle } from './instance-lifecycle.js';
import type { InstanceRecord } from './instance-record.js';
import { lifecycleDeps } from './testing/lifecycle-deps.js';
import { localHarness } from './testing/local-harness.js';
import type { LocalHarness } from './testing/local-harness.js';

const handlers: Record<string, string> = {
  // Its /health says 503 until warm.flag exists beside it.
  'price.mjs': `import { existsSync } from 'node:fs';
    export function fetch(request) {
      if (new URL(request.url).pathname !== '/health') return Response.json({ price: 42 });
      return new Response(null, { status: existsSync(new URL('./warm.flag', import.meta.url)) ? 200 : 503 });
    }`,
  'throws.mjs': `throw new Error('cannot reach the price database');`,
  'no-fetch.mjs': `export const price = 42;`,
};

let h: LocalHarness;
let driver: FunctionDriver;
const lifecycles: InstanceLifecycle[] = [];

beforeAll(async () => {
  h = localHarness();
  for (const [name, source] of Object.entries(handlers)) await writeFile(join(h.dataDir, name), source);
  const runtimeScript = await transpileForNode(resolve('src/drivers/function/runtime/main.ts'), resolve('src'), join(h.dataDir, 'runtime'));
  driver = createFunctionDriver({ dataDir: h.dataDir, baseEnv: testBaseEnv, runtimeScript, warmPool: 1 });
});

afterEach(async () => {
  await Promise.all(lifecycles.splice(0).map((lifecycle) => lifecycle.stopAll(true)));
});

afterAll(async () => {
  await driver.close();
  await h.close();
});

function fn(handler: string, extra: Partial<DesiredService> = {}): DesiredService {
  return desiredService('v1', 'hash-v1', { name: 'price', driver: 'function', command: [], instances: 1, function: { handler, timeoutMs: 5000, concurrency: 4 }, ...extra });
}

/** A lifecycle over the real function driver; `calls` records the hooks it called, in order. */
function lifecycleFor(desired: DesiredService, calls: string[]): InstanceLifecycle {
  const drivers = createDrivers({ dataDir: h.dataDir, baseEnv: testBaseEnv, overrides: { process: h.fake, function: driver } });
  const lifecycle = new InstanceLifecycle(lifecycleDeps(h, desired, calls, { drivers }));
  lifecycles.push(lifecycle);
  return lifecycle;
}

async function started(lifecycle: InstanceLifecycle, desired: DesiredService): Promise<InstanceRecord> {
  await lifecycle.startNew(desired);
  const [record] = lifecycle.instances();
  return record as InstanceRecord;
}

function statusOf(port: number, path: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', fail);
    req.end();
  });
}

const eventTypes = (instance: string): string[] => h.events.filter((event) => event.instance === instance).map((event) => event.type);

describe('function instances: ready on the runtime’s word', () => {
  it('is ready, with the routes republished, as soon as its start resolves, and it answers then', async () => {
    const calls: string[] = [];
    const desired = fn('price.mjs');
    const record = await started(lifecycleFor(desired, calls), desired);
    expect(record.state).toBe('ready');
    expect(eventTypes(record.id)).toEqual(['instance.started', 'instance.ready']);
    expect(calls).toEqual(['routesChanged', 'reconcile price']);
    expect(await statusOf(record.port, '/')).toBe(200);
  });

  it('never makes ready a handler that throws at import or exports no fetch: the start fails with the reason', async () => {
    for (const [handler, reason] of [
      ['throws.mjs', 'cannot reach the price database'],
      ['no-fetch.mjs', 'exports no fetch function'],
    ] as const) {
      const calls: string[] = [];
      const desired = fn(handler);
      const lifecycle = lifecycleFor(desired, calls);
      const record = await started(lifecycle, desired);
      expect(record.state).toBe('crashed');
      expect(record.reason).toContain(reason);
      expect(eventTypes(record.id)).toEqual(['instance.start-failed', 'instance.crashed']);
      expect(calls).not.toContain('routesChanged');
      await lifecycle.stopAll(true);
    }
  });

  it('still waits for a readiness probe the service declares', async () => {
    const calls: string[] = [];
    const desired = fn('price.mjs', { readiness: { http: '/health', interval: 50, timeout: 1000, successThreshold: 1, failureThreshold: 1, startGrace: 60_000 } });
    const record = await started(lifecycleFor(desired, calls), desired);
    expect(record.state).toBe('starting');
    expect(await statusOf(record.port, '/health')).toBe(503);
    expect(record.state).toBe('starting');
    await writeFile(join(h.dataDir, 'warm.flag'), '');
    await vi.waitFor(() => expect(record.state).toBe('ready'), { timeout: 10_000, interval: 5 });
    expect(calls).toEqual(['routesChanged', 'reconcile price']);
  });
});
