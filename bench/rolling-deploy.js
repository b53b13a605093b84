// A rolling deploy of 4 instances under load: from the command to 100% of traffic on the new
// version (and to the old processes' exit), and the requests that failed meanwhile. Skiff (`skiff apply` of a new VERSION, a
// rolling strategy, load through its router) against `pm2 reload --update-env` in cluster mode
// with 4 workers (load on the shared port), each with a service that drains on SIGTERM and one
// that exits at once. The floor is starting 4 bare instances at once until all of them answer,
// measured under the same load just before each deploy.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProbe } from './lib/http-probe.js';
import { runLoad } from './lib/load.js';
import { startPm2App } from './lib/pm2.js';
import { freePort, killPid, sleep, spawnCaptured, waitFor, waitForExit } from './lib/processes.js';
import { selectedParts, skiffUnavailableReason } from './lib/skiff-available.js';
import { helloDir, helloSpec, startSkiff } from './lib/skiff-up.js';
import { formatTable, ms, ratio, summarize } from './lib/stats.js';

const instances = 4;
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const load = { clients: 16, durationMs: 120_000, maxRequests: 20_000_000 };
// Load runs this long before the deploy and after it completes, so both edges are under load.
const beforeMs = 2000;
const afterMs = 1000;
const script = path.join(helloDir, 'server.mjs');

function rollingSpec({ version, abrupt }) {
  return helloSpec({
    instances,
    env: { VERSION: version, ABRUPT_EXIT: abrupt ? 1 : 0 },
    readinessInterval: '200ms',
    strategy: { type: 'rolling', maxSurge: '100%', maxUnavailable: 0, drainTimeout: '10s' },
  });
}

/** Starts 4 bare instances at once; resolves with the time until each answered 200. */
async function bareStartMs(probe) {
  const ports = await Promise.all(Array.from({ length: instances }, () => freePort()));
  const started = performance.now();
  const procs = ports.map((port) =>
    spawnCaptured(process.execPath, [script], { cwd: helloDir, env: { ...process.env, PORT: String(port) } }),
  );
  try {
    await Promise.all(ports.map((port) => probe.until200(`http://127.0.0.1:${port}/`, { timeoutMs: 15_000 })));
    return performance.now() - started;
  } finally {
    for (const proc of procs) killPid(proc.child.pid);
    await Promise.all(procs.map((proc) => waitForExit(proc.child.pid, 5000)));
  }
}

/**
 * The floor no deploy can beat: 4 bare instances started at once until each answers. Measured
 * on the idle machine, and in every run under the same load just before the deploy, since the
 * load slows every start on 2 cores.
 */
async function floorMs() {
  const probe = createProbe({ timeoutMs: 250 });
  try {
    return await bareStartMs(probe);
  } finally {
    await probe.close();
  }
}

const noLoad = { total: 0, failed: 0, errors: new Map() };

async function measureSkiff({ abrupt, loaded = true }) {
  const skiff = await startSkiff({ specText: rollingSpec({ version: 1, abrupt }) });
  try {
    const before = await skiff.readyInstances('hello', instances);
    const oldRelease = before[0].release;
    let finished;
    const deployed = new Promise((resolve) => (finished = resolve));
    const loadRun = loaded
      ? runLoad({ ...load, origins: [skiff.routerUrl], path: '/hello', stopWhen: deployed.then(() => sleep(afterMs)) })
      : Promise.resolve(noLoad);
    await sleep(beforeMs);
    const loadedFloorMs = await floorMs();
    writeFileSync(path.join(skiff.specDir, 'skiff.yaml'), rollingSpec({ version: 2, abrupt }));
    const started = performance.now();
    const apply = await skiff.cli(['apply', skiff.specDir]);
    if (apply.code !== 0) throw new Error(`skiff apply failed:\n${apply.output}`);
    const hello = async () => (await skiff.status()).instances.filter((i) => i.service === 'hello');
    // All traffic is on the new version once its instances are ready and every old one is out of
    // the routing table (stopping: drained, then signalled).
    await waitFor(
      async () => {
        const all = await hello();
        const ready = all.filter((i) => i.state === 'ready');
        const rest = all.filter((i) => i.state !== 'ready');
        return ready.length === instances && ready.every((i) => i.release !== oldRelease) && rest.every((i) => i.state === 'stopping')
          ? true
          : undefined;
      },
      { timeoutMs: 120_000, what: `${instances} ready instances of the new release, the old ones out of rotation` },
    );
    const deployMs = performance.now() - started;
    await waitFor(async () => ((await hello()).length === instances ? true : undefined), {
      timeoutMs: 120_000,
      what: 'the old instances to exit',
    });
    const oldGoneMs = performance.now() - started;
    finished();
    const result = await loadRun;
    return { deployMs, oldGoneMs, loadedFloorMs, ...result };
  } finally {
    await skiff.stop();
  }
}

async function measurePm2({ abrupt }) {
  const port = await freePort();
  const env = { PORT: String(port), VERSION: '1', ABRUPT_EXIT: abrupt ? '1' : '0' };
  const app = await startPm2App({ script, name: 'bench-hello', env, instances });
  const probe = createProbe({ timeoutMs: 250 });
  try {
    await probe.until200(`http://127.0.0.1:${port}/`, { timeoutMs: 30_000 });
    await waitFor(async () => ((await app.online()) === instances ? true : undefined), {
      timeoutMs: 30_000,
      what: `${instances} PM2 workers online`,
    });
    let finished;
    const deployed = new Promise((resolve) => (finished = resolve));
    const loadRun = runLoad({
      ...load,
      origins: [`http://127.0.0.1:${port}`],
      path: '/',
      stopWhen: deployed.then(() => sleep(afterMs)),
    });
    await sleep(beforeMs);
    const loadedFloorMs = await floorMs();
    const started = performance.now();
    // `pm2 reload` returns once every worker was replaced.
    await app.reload({ ...env, VERSION: '2' });
    const deployMs = performance.now() - started;
    finished();
    const result = await loadRun;
    const answer = await fetch(`http://127.0.0.1:${port}/`).then((response) => response.json());
    if (answer.version !== '2') throw new Error(`after pm2 reload a worker still answers VERSION ${answer.version}`);
    // PM2 returns once each old worker has exited: traffic and processes are both new.
    return { deployMs, oldGoneMs: deployMs, loadedFloorMs, ...result };
  } finally {
    await probe.close();
    await app.stop();
  }
}

function median(results, key) {
  return summarize(results.map((result) => result[key])).median;
}

async function repeat(measure) {
  const results = [];
  for (let run = 0; run < runs; run++) results.push(await measure());
  return results;
}

const parts = selectedParts(['skiff', 'pm2']);
const unavailable = skiffUnavailableReason();
if (unavailable && parts.has('skiff')) {
  console.error(`skiff rows skipped: ${unavailable}`);
  parts.delete('skiff');
}

const idleFloors = [];
for (let run = 0; run < 5; run++) idleFloors.push(await floorMs());
const idleFloorMs = summarize(idleFloors).median;
const rows = [];
let incomplete = false;
for (const abrupt of [false, true]) {
  const shutdown = abrupt ? 'exits at once on SIGTERM' : 'drains on SIGTERM';
  for (const [name, part, measure] of [
    ['Skiff rolling (maxSurge 100%)', 'skiff', measureSkiff],
    ['pm2 reload (cluster, 4 workers)', 'pm2', measurePm2],
    ...(abrupt ? [] : [['Skiff rolling, no load', 'skiff', (options) => measureSkiff({ ...options, loaded: false })]]),
  ]) {
    if (!parts.has(part)) continue;
    try {
      const results = await repeat(() => measure({ abrupt }));
      const total = results.reduce((sum, result) => sum + result.total, 0);
      const failed = results.reduce((sum, result) => sum + result.failed, 0);
      const errors = new Map();
      for (const result of results) for (const [reason, count] of result.errors) errors.set(reason, (errors.get(reason) ?? 0) + count);
      const deployMs = median(results, 'deployMs');
      const loadedFloorMs = median(results, 'loadedFloorMs');
      rows.push([
        name,
        shutdown,
        runs,
        ms(deployMs),
        ms(loadedFloorMs),
        ratio(deployMs, loadedFloorMs),
        ms(median(results, 'oldGoneMs')),
        total,
        failed,
        `${((100 * failed) / Math.max(total, 1)).toFixed(4)}%`,
        [...errors].map(([reason, count]) => `${reason} ${count}`).join(', ') || '-',
      ]);
    } catch (error) {
      incomplete = true;
      console.error(`${name} (${shutdown}): ${error.message}`);
    }
  }
}

console.log(`Rolling deploy of ${instances} instances under load (${load.clients} clients), ${os.cpus().length} cores`);
console.log(`Floor: ${instances} bare instances started at once until each answers: ${ms(idleFloorMs)} ms on the idle machine (median of 5)\n`);
console.log(
  formatTable(
    ['system', 'service on SIGTERM', 'runs', 'to 100% new (ms)', 'floor, same load (ms)', 'vs floor', 'old exited (ms)', 'requests', 'failed', 'failed %', 'failures'],
    rows,
  ),
);
if (incomplete) process.exitCode = 1;
