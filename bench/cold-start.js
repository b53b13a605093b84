// Cold start: from "start one" to its first 200 answer, each row measured in the same run.
//   (a) pooled function runtime: the function driver takes a warm runtime (Node already loaded)
//       and loads a handler into it, with the instance's cgroups as in production; then one GET.
//   (a') the same without cgroup limits (what a machine without usable cgroups gets).
//   (b) bare node: `node server.js` spawned as a child process, polled until it answers.
//   (c) docker run: `docker run` of Skiff's node base image running the same server, polled
//       through the published port (skipped, loudly, when no engine is reachable).
//   (d) through the router from zero: `skiff up` with the function at `autoscale: { min: 0 }`;
//       once it has scaled to zero, one GET through the router, held there while the router
//       wakes the service and the control plane places an instance from the warm pool.
// Rows are { name, prepare?, measure, cleanup? }. Needs `npm run build` (it runs dist/).
// `--only d` (or `--only a,b,d`) runs only those rows: the letters in their names. `--trace`: (d)'s
// processes timestamp each step of every wake (SKIFF_WAKE_TRACE), and the medians are printed.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProbe } from './lib/http-probe.js';
import { freePort, waitFor } from './lib/processes.js';
import { formatTable, ms, ratio, summarize } from './lib/stats.js';

const runs = Math.max(20, Number(process.env.BENCH_RUNS ?? 20));
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg === -1 ? null : new Set(process.argv[onlyArg + 1].split(','));
/** Whether the row whose name starts with `(key)` is wanted. */
const wanted = (key) => only === null || only.has(key);
const traceFile = process.argv.includes('--trace') ? path.join(os.tmpdir(), `skiff-bench-wake-trace-${process.pid}.log`) : null;
const probe = createProbe({ timeoutMs: 250 });
const DOCKER = '/usr/bin/docker';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-cold-'));
const serverSource = `import http from 'node:http';
const body = JSON.stringify({ pid: process.pid });
http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); })
  .listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
`;
const handlerSource = `export function fetch() { return Response.json({ pid: process.pid }); }\n`;
fs.writeFileSync(path.join(work, 'server.mjs'), serverSource);
fs.writeFileSync(path.join(work, 'price.mjs'), handlerSource);
// The image runs as uid 1000: the bind-mounted server must be readable to it.
fs.chmodSync(work, 0o755);

const { createFunctionDriver } = await import('../dist/drivers/function/function-driver.js');
const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
let counter = 0;

/** Time from the start call to the first 200 answer of `url`, in ms. */
async function firstAnswer(start, url) {
  const t0 = performance.now();
  await start();
  const answered = await probe.until200(url, { everyMs: 1, timeoutMs: 60_000 });
  return answered.at - t0;
}

function functionRow(name, resourceLimits) {
  const driver = createFunctionDriver({ dataDir: path.join(work, name.replace(/\W+/g, '-')), baseEnv, warmPool: 2, resourceLimits });
  const running = [];
  let primed = false;
  const row = {
    name,
    async prepare() {
      if (!primed) {
        // The pool fills from the first function start on (a machine running no function keeps none).
        primed = true;
        await row.measure();
        await row.cleanup();
      }
      // Steady state: the pool is full and warm before the clock starts.
      await waitFor(async () => (driver.warmPool().warm === 2 ? true : undefined), { timeoutMs: 30_000, what: 'a warm pool' });
    },
    async measure() {
      const port = await freePort();
      counter += 1;
      const launch = {
        instanceId: `bench-${process.pid}-${counter}`,
        service: 'price',
        environment: 'bench',
        release: 'v1',
        directory: work,
        command: [],
        env: {},
        port,
        resources: { memory: 128 * 1024 * 1024 },
        logDir: path.join(work, 'logs'),
        function: { handler: 'price.mjs', timeoutMs: 30_000, concurrency: 10 },
      };
      return firstAnswer(async () => running.push(await driver.start(launch)), `http://127.0.0.1:${port}/`);
    },
    async cleanup() {
      await Promise.all(running.splice(0).map((instance) => instance.stop(0)));
    },
    async close() {
      await driver.close();
    },
  };
  return row;
}

function bareNodeRow() {
  const children = [];
  return {
    name: '(b) bare `node server.js`',
    async measure() {
      const port = await freePort();
      return firstAnswer(async () => {
        children.push(spawn(process.execPath, [path.join(work, 'server.mjs')], { env: { ...baseEnv, PORT: String(port) }, stdio: 'ignore' }));
      }, `http://127.0.0.1:${port}/`);
    },
    async cleanup() {
      for (const child of children.splice(0)) {
        child.kill('SIGKILL');
        await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
      }
    },
  };
}

async function dockerRow() {
  const { connectEngine, probeEngine } = await import('../dist/drivers/docker/engine.js');
  const { ensureBaseImage } = await import('../dist/drivers/docker/base-image.js');
  const engine = connectEngine(process.env.DOCKER_HOST ? { dockerHost: process.env.DOCKER_HOST } : {});
  const status = await probeEngine(engine, 3000);
  if (!status.reachable) return { skipped: `no Docker engine is reachable (${status.reason})` };
  const base = await ensureBaseImage(engine);
  const containers = [];
  return {
    name: '(c) `docker run` of a node image',
    async measure() {
      const port = await freePort();
      return firstAnswer(async () => {
        containers.push(
          execFileSync(DOCKER, ['run', '-d', '--rm', '-e', `PORT=${port}`, '-e', 'HOST=0.0.0.0', '-p', `127.0.0.1:${port}:${port}`, '-v', `${work}:/bench:ro`, base.id, 'node', '/bench/server.mjs'], {
            encoding: 'utf8',
            timeout: 60_000,
          }).trim(),
        );
      }, `http://127.0.0.1:${port}/`);
    },
    async cleanup() {
      for (const container of containers.splice(0)) execFileSync(DOCKER, ['rm', '-f', container], { stdio: 'ignore' });
    },
  };
}

/** (d): a scaled-to-zero function woken by a request through the router. */
async function fromZeroRow() {
  const { startSkiff } = await import('./lib/skiff-up.js');
  // `skiff up` and the processes it starts inherit it.
  if (traceFile !== null) process.env.SKIFF_WAKE_TRACE = traceFile;
  const skiff = await startSkiff({
    specText: `version: 1
name: bench
services:
  price:
    kind: function
    path: ${JSON.stringify(work)}
    handler: price.mjs
    autoscale: { min: 0, max: 2, target: { concurrency: 10 }, stableWindow: 2s, panicWindow: 1s, idleAfter: 1s }
    routes:
      - path: /price
environments:
  dev: {}
`,
  });
  const instances = async () => (await skiff.status()).instances.filter((i) => i.service === 'price').length;
  return {
    name: '(d) function at zero, through the router',
    async prepare() {
      await waitFor(async () => ((await instances()) === 0 ? true : undefined), { timeoutMs: 60_000, what: 'price to scale to zero' });
    },
    async measure() {
      const t0 = performance.now();
      if (traceFile !== null) fs.appendFileSync(traceFile, `${(performance.timeOrigin + t0).toFixed(3)} ${process.pid} bench.sent\n`);
      const response = await fetch(`${skiff.routerUrl}/price/`);
      await response.arrayBuffer();
      if (traceFile !== null) fs.appendFileSync(traceFile, `${(performance.timeOrigin + performance.now()).toFixed(3)} ${process.pid} bench.answered\n`);
      if (response.status !== 200) throw new Error(`the waking request got ${response.status}`);
      return performance.now() - t0;
    },
    async close() {
      await skiff.stop();
    },
  };
}

const rows = [];
if (wanted('a')) rows.push(functionRow('(a) pooled function runtime', 'auto'));
if (wanted("a'")) rows.push(functionRow("(a') pooled, no cgroup limits", 'off'));
if (wanted('b')) rows.push(bareNodeRow());
if (wanted('d')) rows.push(await fromZeroRow());
const docker = wanted('c') ? await dockerRow() : null;
if (docker !== null && 'skipped' in docker) console.error(`\n!!! SKIPPING the docker run row: ${docker.skipped}\n`);
else if (docker !== null) rows.push(docker);

const samples = new Map(rows.map((row) => [row.name, []]));
try {
  // Interleaved, so that a busy moment of the machine falls on every row alike.
  for (let i = 0; i < runs; i++) {
    for (const row of rows) {
      await row.prepare?.();
      samples.get(row.name).push(await row.measure());
      await row.cleanup?.();
    }
  }
} finally {
  for (const row of rows) {
    await row.cleanup?.();
    await row.close?.();
  }
  fs.rmSync(work, { recursive: true, force: true });
}

const bare = wanted('b') ? summarize(samples.get('(b) bare `node server.js`')) : { median: undefined };
console.log(`cold start to first answer, ${runs} runs each, interleaved (ms)`);
console.log(
  formatTable(
    ['start', 'median', 'p90', 'min', 'max', 'median vs bare node'],
    rows.map((row) => {
      const summary = summarize(samples.get(row.name));
      return [row.name, ms(summary.median), ms(summary.p90), ms(summary.min), ms(summary.max), ratio(summary.median, bare.median)];
    }),
  ),
);
if (docker !== null && 'skipped' in docker) console.log(`(c) docker run: skipped — ${docker.skipped}`);
if (traceFile !== null && wanted('d')) {
  const { breakdownTable } = await import('./lib/wake-breakdown.js');
  const { wakeSteps } = await import('../dist/core/wake-trace.js');
  console.log(`\n${breakdownTable(traceFile, ['bench.sent', ...wakeSteps, 'bench.answered'])}`);
  fs.rmSync(traceFile, { force: true });
}
