// Router throughput, latency and CPU per request: wrk straight to the backend, through nginx
// (2 workers, upstream keepalive) and through Skiff's router (route matching over a table of
// 50 routes, least-request over 2 instances, metrics on), at 64 and 1 connections; median of
// BENCH_RUNS runs (default 3) of BENCH_SECONDS (default 5). Then the router's memory and
// table fan-out time with 1,000 routes and 5,000 instances.
// `--only direct,nginx,skiff` limits the rows; `--only ...,skiff-node` adds a row for the router
// with its raw-socket fast path off (every request through node:http and undici), for before/after
// comparisons in one session. The `skiff-traced` row (on by default) is the same router with
// tracing on at 100% sampling, exporting over OTLP/HTTP to a sink in this process; the run prints
// its req/s and CPU ratio to the untraced router. BENCH_ROUTER_WORKERS sets Skiff's workers (default 2);
// BENCH_PROFILE=dir writes the routers' CPU profiles (node --cpu-prof) there
// (summarize them with `node bench/router-profile.js dir`).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, killPid, ownedProcesses, waitFor, spawnCaptured } from './lib/processes.js';
import { cpuTimes, hasCommand, nginxConfig, processTree, rssMiB, runWrk } from './lib/router-tools.js';
import { formatTable, ratio, summarize } from './lib/stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const routerEntry = path.join(root, 'dist/main/router-process.js');
const adminClient = path.join(root, 'dist/router/admin-client.js');
const runs = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const workers = Number(process.env.BENCH_ROUTER_WORKERS ?? 2);
const profileDir = process.env.BENCH_PROFILE;
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg === -1 ? null : new Set(process.argv[onlyArg + 1].split(','));
const want = (name) => (only === null ? name !== 'skiff-node' : only.has(name));
const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-router-'));
const { owned, cleanup } = ownedProcesses({ tmp, name: 'router bench' });
let missing = 0;

async function answers(url) {
  const res = await fetch(url).catch(() => undefined);
  if (res === undefined) return undefined;
  await res.arrayBuffer();
  return res.status === 200 ? true : undefined;
}

async function startBackend() {
  const port = await freePort();
  const proc = spawnCaptured(process.execPath, [path.join(root, 'bench/fixtures/router-backend.mjs')], {
    env: { ...process.env, PORT: String(port) },
  });
  owned.push(proc.child.pid);
  await waitFor(() => answers(`http://127.0.0.1:${port}/`), { timeoutMs: 10_000, what: 'the backend' });
  return { port, pid: proc.child.pid };
}

async function startNginx(backends) {
  const port = await freePort();
  const prefix = path.join(tmp, 'nginx');
  rmSync(prefix, { recursive: true, force: true });
  const conf = path.join(tmp, 'nginx.conf');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  writeFileSync(conf, nginxConfig({ prefix, port, backends }));
  const nginx = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  const proc = spawnCaptured(nginx, ['-p', prefix, '-c', conf], {});
  owned.push(proc.child.pid);
  await waitFor(() => answers(`http://127.0.0.1:${port}/`), { timeoutMs: 10_000, what: `nginx (${proc.output()})` });
  return { port, pid: proc.child.pid, stop: () => killPid(proc.child.pid, 'SIGQUIT') };
}

function benchTable(backends, version) {
  const routes = [];
  // Decoys first: matching has to look past other hosts and prefixes.
  for (let i = 0; i < 48; i++) {
    routes.push({
      id: `bench/decoy${i}/0`, environment: 'bench', service: `decoy${i}`, host: i % 2 === 0 ? `decoy${i}.example` : undefined,
      pathPrefix: `/decoy${i}`, stripPrefix: true, retryMethods: ['GET'], balance: 'least-request',
      backends: [{ id: `decoy${i}-1`, release: 'v1', host: '127.0.0.1', port: backends[0].port }],
    });
  }
  routes.push({
    id: 'bench/api/0', environment: 'bench', service: 'api', pathPrefix: '/api', stripPrefix: true, retryMethods: ['GET'],
    balance: 'least-request', backends: backends.map((b, i) => ({ id: `api-${i}`, release: 'v1', host: '127.0.0.1', port: b.port })),
  });
  routes.push({
    id: 'bench/hello/0', environment: 'bench', service: 'hello', pathPrefix: '/', stripPrefix: false, retryMethods: ['GET', 'HEAD'],
    balance: 'least-request', backends: backends.map((b, i) => ({ id: `hello-${i}`, release: 'v1', host: '127.0.0.1', port: b.port })),
  });
  return { version, generatedAt: new Date().toISOString(), routes: routes.map((r) => JSON.parse(JSON.stringify(r))) };
}

/** An OTLP/HTTP endpoint that reads and drops what it gets: the traced router's spans. */
async function startOtlpSink() {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk) => (bytes += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/v1/traces`, bytes: () => bytes, close: () => server.close() };
}

async function startSkiff(backends, fastPath = true, tracing = undefined) {
  const { publishRouteTable, routerHealth } = await import(adminClient);
  const port = await freePort();
  const name = tracing !== undefined ? 'router-traced' : fastPath ? 'router' : 'router-node';
  const socket = path.join(tmp, `${name}.sock`);
  const args = [
    routerEntry, '--port', String(port), '--admin-socket', socket, '--table-file', path.join(tmp, `${name}-table.json`),
    '--workers', String(workers), '--fast-path', fastPath ? 'on' : 'off',
  ];
  if (profileDir) args.unshift('--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`);
  if (process.env.BENCH_NODE_FLAGS) args.unshift(...process.env.BENCH_NODE_FLAGS.split(' '));
  const proc = spawnCaptured(process.execPath, args, {});
  owned.push(proc.child.pid);
  await waitFor(async () => ((await routerHealth(socket))?.port === port ? true : undefined), { timeoutMs: 15_000, what: `the router (${proc.output()})` });
  await publishRouteTable(socket, { ...benchTable(backends, 1), ...(tracing === undefined ? {} : { tracing }) });
  await waitFor(() => answers(`http://127.0.0.1:${port}/`), { timeoutMs: 10_000, what: 'the router to route' });
  return { port, pid: proc.child.pid, socket, publishRouteTable, proc };
}

async function measure(target, connections) {
  const pids = target.pid === undefined ? [] : processTree(target.pid);
  const before = cpuTimes(pids);
  const result = await runWrk({ url: target.url, connections, threads: connections === 1 ? 1 : 2, seconds });
  const after = cpuTimes(pids);
  if (result.non2xx > 0 || result.socketErrors) console.error(`  ${target.name}: ${result.non2xx} non-2xx, socket errors: ${result.socketErrors ?? 'none'}`);
  const perRequest = (s) => (target.pid === undefined ? NaN : (s * 1e6) / result.requests);
  const user = perRequest(after.user - before.user);
  const system = perRequest(after.system - before.system);
  return { ...result, cpuMicrosPerRequest: user + system, userMicrosPerRequest: user, systemMicrosPerRequest: system };
}

async function fanOut(skiff, backends) {
  const routes = [];
  for (let r = 0; r < 1000; r++) {
    routes.push({
      id: `big/svc${r}/0`, environment: 'big', service: `svc${r}`, host: `svc${r}.example`, pathPrefix: '/', stripPrefix: false,
      retryMethods: ['GET'], balance: 'least-request',
      backends: Array.from({ length: 5 }, (_, i) => ({ id: `svc${r}-${i}`, release: 'v1', host: `10.${r >> 8}.${r & 255}.${i + 1}`, port: 8000 + i })),
    });
  }
  routes.push(...benchTable(backends, 0).routes);
  const times = [];
  for (let i = 0; i < 3; i++) {
    const table = { version: 100 + i, generatedAt: new Date().toISOString(), routes };
    const started = performance.now();
    await skiff.publishRouteTable(skiff.socket, table, 30_000);
    times.push(performance.now() - started);
  }
  const workerPids = processTree(skiff.pid).filter((pid) => pid !== skiff.pid);
  // The primary logs how long the fan-out to every worker took (from its accepting the table).
  const fanOutMs = await waitFor(async () => {
    const found = skiff.proc.output().split('\n').flatMap((line) => {
      try {
        const entry = JSON.parse(line);
        return entry.msg === 'routing table applied' && entry.routes > 1000 ? [entry.fanOutMs] : [];
      } catch {
        return [];
      }
    });
    return found.length === 3 ? found : undefined;
  }, { timeoutMs: 5_000, what: 'the fan-out log lines' }).catch(() => []);
  return {
    publishMs: summarize(times).median,
    fanOutMs: fanOutMs.length > 0 ? summarize(fanOutMs).median : NaN,
    rss: workerPids.map(rssMiB),
    primaryRss: rssMiB(skiff.pid),
  };
}

async function main() {
  if (!existsSync(routerEntry)) throw new Error(`${routerEntry} is missing: run npm run build first`);
  if (!hasCommand('wrk')) {
    console.log('wrk is not installed (Debian: apt-get install wrk): the router benchmark needs it, skipping it');
    return;
  }
  const backends = [await startBackend(), await startBackend()];
  const targets = [];
  if (want('direct')) targets.push({ name: 'direct (1 backend)', url: `http://127.0.0.1:${backends[0].port}/` });
  let nginx;
  if (want('nginx')) {
    if (hasCommand('nginx') || existsSync('/usr/sbin/nginx')) {
      nginx = await startNginx(backends);
      targets.push({ name: 'nginx (2 workers)', url: `http://127.0.0.1:${nginx.port}/`, pid: nginx.pid });
    } else {
      console.log('nginx is not installed (Debian: apt-get install nginx): skipping the nginx row');
      missing++;
    }
  }
  let skiff;
  if (want('skiff')) {
    skiff = await startSkiff(backends);
    targets.push({ name: `Skiff router (${workers} workers)`, url: `http://127.0.0.1:${skiff.port}/`, pid: skiff.pid });
  }
  let sink;
  if (want('skiff-traced')) {
    sink = await startOtlpSink();
    const traced = await startSkiff(backends, true, { otlpUrl: sink.url, samplePercent: 100 });
    targets.push({ name: `Skiff, tracing 100% (${workers} workers)`, url: `http://127.0.0.1:${traced.port}/`, pid: traced.pid, traced: true });
  }
  if (want('skiff-node')) {
    const slow = await startSkiff(backends, false);
    targets.push({ name: `Skiff, fast path off (${workers} workers)`, url: `http://127.0.0.1:${slow.port}/`, pid: slow.pid });
  }
  console.log(`load average before: ${loadAverage()}`);

  const samples = new Map();
  for (const connections of [64, 1]) {
    for (let run = 0; run < runs; run++) {
      // Interleaved, so drift on a shared machine hits every row alike.
      for (const target of targets) {
        const key = `${target.name}@${connections}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push(await measure(target, connections));
      }
    }
  }

  const median = (key, field) => summarize(samples.get(key).map((s) => s[field])).median;
  const rows = [];
  for (const connections of [64, 1]) {
    const nginxKey = `nginx (2 workers)@${connections}`;
    const directKey = `direct (1 backend)@${connections}`;
    for (const target of targets) {
      const key = `${target.name}@${connections}`;
      const rps = median(key, 'rps');
      const cpu = median(key, 'cpuMicrosPerRequest');
      const user = median(key, 'userMicrosPerRequest');
      const system = median(key, 'systemMicrosPerRequest');
      const isSkiff = target.name.startsWith('Skiff');
      rows.push([
        target.name, connections, runs, Math.round(rps), (median(key, 'p50') / 1000).toFixed(3), (median(key, 'p99') / 1000).toFixed(3),
        Number.isNaN(cpu) ? '-' : cpu.toFixed(1),
        Number.isNaN(user) ? '-' : `${user.toFixed(1)}/${system.toFixed(1)}`,
        isSkiff && samples.has(nginxKey) ? ratio(rps, median(nginxKey, 'rps')) : '-',
        isSkiff && samples.has(nginxKey) ? ratio(cpu, median(nginxKey, 'cpuMicrosPerRequest')) : '-',
        isSkiff && samples.has(nginxKey) ? ratio(median(key, 'p99'), median(nginxKey, 'p99')) : '-',
        isSkiff && samples.has(directKey) ? ratio(rps, median(directKey, 'rps')) : '-',
      ]);
    }
  }
  console.log(`load average after: ${loadAverage()}`);
  const untraced = targets.find((target) => target.name.startsWith('Skiff router'));
  const traced = targets.find((target) => target.traced);
  if (untraced !== undefined && traced !== undefined) {
    for (const connections of [64, 1]) {
      const on = `${traced.name}@${connections}`;
      const off = `${untraced.name}@${connections}`;
      console.log(
        `tracing on/off at ${connections} connections: req/s ${ratio(median(on, 'rps'), median(off, 'rps'))}, ` +
          `CPU per request ${ratio(median(on, 'cpuMicrosPerRequest'), median(off, 'cpuMicrosPerRequest'))}, ` +
          `p99 ${ratio(median(on, 'p99'), median(off, 'p99'))}`,
      );
    }
    console.log(`OTLP bytes received from the traced router: ${(sink.bytes() / 1e6).toFixed(1)} MB`);
  }
  console.log(`wrk ${seconds} s per run, median of ${runs} runs; CPU is user+system of the proxy's processes per request`);
  console.log(formatTable(
    ['target', 'conns', 'runs', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'user/sys µs', 'req/s vs nginx', 'CPU vs nginx', 'p99 vs nginx', 'req/s vs direct'],
    rows,
  ));

  if (skiff !== undefined) {
    const big = await fanOut(skiff, backends);
    console.log(`\n1,000 routes / 5,000 instances: publish over the admin socket (send, validate, write file, every worker applied) ` +
      `median ${big.publishMs.toFixed(1)} ms, of which fan-out to every worker ${big.fanOutMs} ms; ` +
      `RSS per worker ${big.rss.map((r) => `${r.toFixed(0)} MiB`).join(', ')}; primary ${big.primaryRss.toFixed(0)} MiB`);
  }
  nginx?.stop();
  sink?.close();
}

try {
  await main();
} finally {
  await cleanup();
}
if (missing > 0) process.exitCode = 1;
