/**
 * The function driver with its real runtime (transpiled from the sources): handlers answering
 * through the runtime, the warm pool, and every way a function can go wrong, each ending only its
 * own runtime.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSkiffError } from '../../core/errors.js';
import { CLOCK_TICKS_PER_SECOND } from '../../core/proc.js';
import type { InstanceHandle, InstanceLaunch, RunningInstance } from '../driver.js';
import { createWorkspace, freePort, pidAlive, testBaseEnv, waitFor, within } from '../testing/fixtures.js';
import type { Workspace } from '../testing/fixtures.js';
import { transpileForNode } from '../testing/transpile.js';
import { createFunctionDriver } from './function-driver.js';
import type { FunctionDriver } from './function-driver.js';

let workspace: Workspace;
let runtimeScript: string;
let driver: FunctionDriver;
const started: RunningInstance[] = [];
let counter = 0;

const handlers: Record<string, string> = {
  'price.mjs': `
    export async function fetch(request, env) {
      const url = new URL(request.url);
      if (url.pathname === '/slow') await new Promise((done) => setTimeout(done, 60_000));
      if (url.pathname === '/throw') throw new Error('price list unavailable');
      if (url.pathname === '/spin') for (;;) {}
      if (url.pathname === '/grow') {
        const kept = [];
        for (let i = 0; i < 4096; i++) kept.push(Buffer.alloc(1 << 20, 1));
        return new Response('grew ' + kept.length);
      }
      if (url.pathname === '/stream') {
        const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('a')); c.enqueue(new TextEncoder().encode('b')); c.close(); } });
        return new Response(body, { status: 201, headers: { 'x-kind': 'stream' } });
      }
      if (url.pathname === '/trickle') {
        let later;
        const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('first;')); later = setTimeout(() => c.close(), 60_000); }, cancel() { clearTimeout(later); } });
        return new Response(body);
      }
      const body = request.method === 'POST' ? await request.text() : '';
      console.log('priced ' + url.pathname);
      return Response.json({ price: 42, currency: env.CURRENCY, body, pid: process.pid });
    }`,
  'default-export.mjs': `export default { fetch() { return new Response('from default'); } };`,
  'no-fetch.mjs': `export const price = 42;`,
  'throws.mjs': `throw new Error('cannot reach the price database');`,
};

beforeAll(async () => {
  workspace = await createWorkspace();
  for (const [name, source] of Object.entries(handlers)) await writeFile(join(workspace.dir, name), source);
  runtimeScript = await transpileForNode(resolve('src/drivers/function/runtime/main.ts'), resolve('src'), join(workspace.dir, 'runtime'));
  driver = createFunctionDriver({ dataDir: workspace.dir, baseEnv: testBaseEnv, runtimeScript, warmPool: 2 });
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((instance) => instance.stop(0)));
});

afterAll(async () => {
  await driver.close();
  await workspace.remove();
});

async function launch(handler: string, overrides: Partial<InstanceLaunch> = {}, timeoutMs = 5000): Promise<InstanceLaunch> {
  counter += 1;
  return {
    instanceId: `fn-${process.pid}-${counter}`,
    service: 'price',
    environment: 'dev',
    release: 'v1',
    directory: workspace.dir,
    command: [],
    env: { CURRENCY: 'EUR' },
    port: await freePort(),
    resources: {},
    logDir: workspace.logDir,
    function: { handler, timeoutMs, concurrency: 4 },
    ...overrides,
  };
}

async function startFunction(instanceLaunch: InstanceLaunch): Promise<RunningInstance> {
  const instance = await driver.start(instanceLaunch);
  started.push(instance);
  return instance;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function call(port: number, path: string, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('function driver', () => {
  it('serves the handler: the request, its body and env in; status, headers and a streamed body out; console to the log', async () => {
    const instance = await startFunction(await launch('price.mjs'));
    const answer = await call(instance.handle.port, '/quote?item=1', 'POST', 'three apples');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ price: 42, currency: 'EUR', body: 'three apples', pid: instance.handle.pid });
    const streamed = await call(instance.handle.port, '/stream');
    expect(streamed).toMatchObject({ status: 201, body: 'ab' });
    expect(streamed.headers['x-kind']).toBe('stream');
    await waitFor('the handler line in the log', async () => (await readFile(instance.handle.logPath, 'utf8')).includes('priced /quote'));
  });

  it('sends a whole body with its length in one piece, and a body still being produced as it comes', async () => {
    const instance = await startFunction(await launch('price.mjs'));
    const whole = await call(instance.handle.port, '/whole');
    expect(whole.status).toBe(200);
    expect(whole.headers['content-length']).toBe(String(Buffer.byteLength(whole.body)));
    expect(whole.headers['transfer-encoding']).toBeUndefined();
    // The first chunk arrives while the handler's stream is still open (it would close in a minute).
    const first = await new Promise<string>((done, fail) => {
      const req = request({ host: '127.0.0.1', port: instance.handle.port, path: '/trickle', agent: false }, (res) => {
        expect(res.headers['transfer-encoding']).toBe('chunked');
        res.setEncoding('utf8');
        res.once('data', (chunk: string) => {
          done(chunk);
          req.destroy();
        });
      });
      req.on('error', fail);
      req.end();
    });
    expect(first).toBe('first;');
  });

  it('accepts `export default { fetch }` and answers /health itself when the handler has no such path', async () => {
    const instance = await startFunction(await launch('default-export.mjs'));
    expect((await call(instance.handle.port, '/')).body).toBe('from default');
    const price = await startFunction(await launch('price.mjs'));
    expect((await call(price.handle.port, '/health')).status).toBe(200);
  });

  it('starts instances from warm runtimes and refills the pool, which status reports', async () => {
    await startFunction(await launch('price.mjs'));
    const pool = await waitFor('a full warm pool', async () => {
      const status = driver.warmPool();
      return status.warm === 2 && status;
    }, { timeoutMs: 15_000 });
    expect(pool.memoryBytes).toBeGreaterThan(10 * 1024 * 1024);
    const askedAt = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]) * CLOCK_TICKS_PER_SECOND;
    const instance = await startFunction(await launch('price.mjs'));
    expect((await call(instance.handle.port, '/')).status).toBe(200);
    // The process serving it existed before it was asked for: it came from the pool.
    expect(instance.handle.startTime).toBeLessThan(askedAt);
  });

  it('refuses a handler file that does not exist, with its path and a hint', async () => {
    const error = await rejection(startFunction(await launch('missing.mjs')));
    expect(isSkiffError(error) && error.code).toBe('SKIFF_FUNCTION_HANDLER_MISSING');
    expect(String((error as Error).message)).toContain(join(workspace.dir, 'missing.mjs'));
  });

  it('fails the start of a module without fetch, and of one that throws at import, with the reason; the runtime is not reused', async () => {
    const noFetch = await rejection(startFunction(await launch('no-fetch.mjs')));
    expect(isSkiffError(noFetch) && noFetch.code).toBe('SKIFF_FUNCTION_LOAD_FAILED');
    expect((noFetch as Error).message).toContain('exports no fetch function (exports: price)');
    const throws = await rejection(startFunction(await launch('throws.mjs')));
    expect(isSkiffError(throws) && throws.code).toBe('SKIFF_FUNCTION_LOAD_FAILED');
    expect((throws as Error).message).toContain('cannot reach the price database');
    // Whatever loaded the bad code is gone: the next instance runs in a different process.
    const next = await startFunction(await launch('price.mjs'));
    expect((await call(next.handle.port, '/')).status).toBe(200);
  });

  it('answers 504 with the reason past the timeout and 500 when the handler throws, and keeps serving', async () => {
    const instance = await startFunction(await launch('price.mjs', {}, 300));
    const slow = await call(instance.handle.port, '/slow');
    expect(slow.status).toBe(504);
    expect(JSON.parse(slow.body)).toMatchObject({ code: 'SKIFF_FUNCTION_TIMEOUT' });
    expect(JSON.parse(slow.body).message).toContain('timeout of 300 ms');
    const thrown = await call(instance.handle.port, '/throw');
    expect(thrown.status).toBe(500);
    expect(JSON.parse(thrown.body)).toMatchObject({ code: 'SKIFF_FUNCTION_FAILED' });
    expect(JSON.parse(thrown.body).message).toContain('price list unavailable');
    expect((await call(instance.handle.port, '/')).status).toBe(200);
    expect(await readFile(instance.handle.logPath, 'utf8')).toContain('price list unavailable');
  });

  it('ends a runtime whose handler blocks the event loop past the timeout, with the reason; another function keeps answering', async () => {
    const other = await startFunction(await launch('price.mjs'));
    const stuck = await startFunction(await launch('price.mjs', {}, 300));
    await call(stuck.handle.port, '/spin').catch(() => null);
    const exit = await within(stuck.exited, 20_000, 'the blocked runtime to end');
    expect(exit.reason).toMatch(/^blocked its event loop for \d+ ms, past the function's timeout of 300 ms: the runtime was ended$/);
    expect(await readFile(stuck.handle.logPath, 'utf8')).toContain("past the function's timeout of 300 ms");
    expect((await call(other.handle.port, '/')).status).toBe(200);
  });

  const cgroups = resourceLimits();
  it.skipIf(!cgroups.enforced)(
    `kills a function past its memory limit (OOM) and leaves another function answering${cgroups.enforced ? '' : ` — SKIPPED: cgroups not usable here: ${cgroups.reason}`}`,
    async () => {
      const other = await startFunction(await launch('price.mjs'));
      const greedy = await startFunction(await launch('price.mjs', { resources: { memory: 96 * 1024 * 1024 } }));
      await call(greedy.handle.port, '/grow').catch(() => null);
      const exit = await within(greedy.exited, 20_000, 'the OOM kill');
      expect(exit.oomKilled).toBe(true);
      expect((await call(other.handle.port, '/')).status).toBe(200);
    },
    30_000,
  );

  it('leaks no pooled runtime when its control plane dies, and the loaded instance is adopted', async () => {
    const modules = join(workspace.dir, 'dying-control-plane');
    await mkdir(modules, { recursive: true });
    const entry = await transpileForNode(resolve('src/drivers/function/index.ts'), resolve('src'), modules);
    const starter = join(workspace.dir, 'control-plane.mjs');
    await writeFile(
      starter,
      [
        `const { createFunctionDriver } = await import(${JSON.stringify(pathToFileURL(entry).href)});`,
        `const driver = createFunctionDriver({ dataDir: process.argv[2], baseEnv: { PATH: process.env.PATH ?? '' }, runtimeScript: ${JSON.stringify(runtimeScript)}, warmPool: 2 });`,
        `const instance = await driver.start(JSON.parse(process.argv[3]));`,
        `while (driver.warmPool().warm < 2) await new Promise((done) => setTimeout(done, 20));`,
        `const pooled = (await import('node:child_process')).execFileSync('pgrep', ['-P', String(process.pid)]).toString().trim().split('\\n').map(Number);`,
        `process.stdout.write(JSON.stringify({ handle: instance.handle, pooled }) + '\\n', () => process.kill(process.pid, 'SIGKILL'));`,
      ].join('\n'),
    );
    const controlPlane = spawn(process.execPath, [starter, workspace.dir, JSON.stringify(await launch('price.mjs'))], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    controlPlane.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await within(new Promise((done) => controlPlane.once('close', done)), 20_000, 'the short-lived control plane to exit');
    const { handle, pooled } = JSON.parse(output) as { handle: InstanceHandle; pooled: number[] };
    const waiting = pooled.filter((pid) => pid !== handle.pid);
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    await waitFor('the pooled runtimes to exit', async () => (await Promise.all(waiting.map(pidAlive))).every((alive) => !alive));
    expect((await call(handle.port, '/')).status).toBe(200);
    const adopted = await driver.recover(handle);
    expect(adopted).not.toBeNull();
    await within(adopted!.stop(2000), 5000, 'the adopted instance to stop');
    expect(await pidAlive(handle.pid)).toBe(false);
  }, 30_000);
});

function resourceLimits(): { enforced: boolean; reason?: string | undefined } {
  return createFunctionDriver({ dataDir: '/tmp', baseEnv: testBaseEnv, warmPool: 0 }).capabilities.resourceLimits;
}
