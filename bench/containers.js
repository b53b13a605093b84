// Containers: start time (launch → first 200) and recovery time of a one-instance container
// service run by Skiff, against the Docker engine's own `--restart=always` for the same image.
//   Skiff start:    scale 0 → 1 through the API, until the router answers 200.
//   Skiff recovery: `docker kill` of the container (and, as for the engine, `kill -9` of the
//                   container's init from the host), until the router answers from the new one.
//   engine start:   `docker run -d -p …` until the published port answers 200.
//   engine restart: `kill -9` of the container's init from the host, until the port answers from
//                   the restarted container. (`docker kill` counts as a manual stop to the engine,
//                   which then does not restart the container at all.)
// Needs a reachable engine; prints why and exits 0 when there is none (outside CI).
import { execFileSync } from 'node:child_process';
import { createProbe } from './lib/http-probe.js';
import { freePort, sleep, waitFor } from './lib/processes.js';
import { skiffUnavailableReason } from './lib/skiff-available.js';
import { startSkiff } from './lib/skiff-up.js';
import { formatTable, ms, ratio, summarize } from './lib/stats.js';

const DOCKER = '/usr/bin/docker';
const runs = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));
// Skiff restarts a crash after a short backoff that resets once an instance ran ready for 10 s;
// each kill waits that long so every sample is a first crash, not a crash loop.
const backoffResetMs = 10_200;
const probe = createProbe({ timeoutMs: 250 });
// Every process start answers with a new random id (all containers are pid 1 or 7 inside).
const server = `import http from 'node:http';
const body = JSON.stringify({ pid: Math.floor(Math.random() * 2 ** 31) });
http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); })
  .listen(Number(process.env.PORT ?? 3000), '0.0.0.0');
`;

function docker(...args) {
  return execFileSync(DOCKER, args, { encoding: 'utf8', timeout: 60_000 }).trim();
}

async function benchImage() {
  const { connectEngine, probeEngine } = await import('../dist/drivers/docker/engine.js');
  const { ensureBaseImage } = await import('../dist/drivers/docker/base-image.js');
  const { buildImage } = await import('../dist/drivers/docker/image-build.js');
  const engine = connectEngine(process.env.DOCKER_HOST ? { dockerHost: process.env.DOCKER_HOST } : {});
  const status = await probeEngine(engine, 3000);
  if (!status.reachable) return { reason: status.reason };
  const base = await ensureBaseImage(engine);
  const tag = 'skiff-bench-box:latest';
  const id = await buildImage(engine, {
    tag,
    entries: [
      { kind: 'file', path: 'Dockerfile', content: `FROM ${base.id}\nCOPY server.mjs /app/server.mjs\nCMD ["node", "/app/server.mjs"]\n` },
      { kind: 'file', path: 'server.mjs', content: server },
    ],
  });
  return { id, tag };
}

function containerOf(instance) {
  return docker('ps', '-q', '--no-trunc', '--filter', `label=skiff.instance=${instance}`);
}

function initPid(container) {
  return Number(docker('inspect', '--format', '{{.State.Pid}}', container));
}

async function measureSkiff(image) {
  const skiff = await startSkiff({
    specText: `version: 1
name: bench-containers
services:
  box:
    driver: docker
    image: { ref: ${image.id} }
    instances: 1
    readiness: { http: /, interval: 100ms }
    stopGrace: 1s
    routes:
      - path: /box
environments:
  dev: {}
`,
  });
  const url = `${skiff.routerUrl}/box`;
  const start = [];
  const dockerKill = [];
  const hostKill = [];
  try {
    await skiff.readyInstances('box', 1);
    let answered = await probe.until200(url, { timeoutMs: 60_000 });
    for (let i = 0; i < runs; i++) {
      await scale(skiff, 0);
      await waitFor(async () => ((await skiff.status()).instances.length === 0 ? true : undefined), { timeoutMs: 30_000, what: 'box scaled to 0' });
      const t0 = performance.now();
      await scale(skiff, 1);
      answered = await probe.until200(url, { notPid: answered.pid, timeoutMs: 60_000 });
      start.push(answered.at - t0);
    }
    for (const [samples, kill] of [
      [dockerKill, (container) => docker('kill', container)],
      [hostKill, (container) => process.kill(initPid(container), 'SIGKILL')],
    ]) {
      for (let i = 0; i < runs; i++) {
        await sleep(backoffResetMs);
        const [instance] = await skiff.readyInstances('box', 1);
        const t0 = performance.now();
        kill(containerOf(instance.id));
        answered = await probe.until200(url, { notPid: answered.pid, timeoutMs: 60_000 });
        samples.push(answered.at - t0);
      }
    }
  } finally {
    await skiff.stop();
  }
  return { start, dockerKill, hostKill };
}

async function scale(skiff, instances) {
  const response = await skiff.api('/api/v1/environments/dev/services/box/scale', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances }),
  });
  if (!response.ok) throw new Error(`scale answered ${response.status}: ${await response.text()}`);
}

async function measureEngine(image) {
  const start = [];
  const restart = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const t0 = performance.now();
    const container = docker('run', '-d', '--init', '--rm', '-e', `PORT=${port}`, '-p', `127.0.0.1:${port}:${port}`, image.id);
    try {
      const answered = await probe.until200(`http://127.0.0.1:${port}/`, { timeoutMs: 60_000 });
      start.push(answered.at - t0);
    } finally {
      docker('rm', '-f', container);
    }
  }
  const port = await freePort();
  const container = docker('run', '-d', '--init', '--restart=always', '-e', `PORT=${port}`, '-p', `127.0.0.1:${port}:${port}`, image.id);
  try {
    let answered = await probe.until200(`http://127.0.0.1:${port}/`, { timeoutMs: 60_000 });
    for (let i = 0; i < runs; i++) {
      // The engine's restart delay doubles for a container that ran less than 10 s.
      await sleep(backoffResetMs);
      const t0 = performance.now();
      process.kill(initPid(container), 'SIGKILL');
      answered = await probe.until200(`http://127.0.0.1:${port}/`, { notPid: answered.pid, timeoutMs: 60_000 });
      restart.push(answered.at - t0);
    }
  } finally {
    docker('rm', '-f', container);
  }
  return { start, restart };
}

const unavailable = skiffUnavailableReason();
if (unavailable) {
  console.log(`containers: skipped, ${unavailable}`);
  process.exit(process.env.CI ? 1 : 0);
}
const image = await benchImage();
if (!image.id) {
  console.log(`containers: skipped, no Docker engine is reachable (${image.reason})`);
  process.exit(process.env.CI ? 1 : 0);
}
const skiff = await measureSkiff(image);
const engine = await measureEngine(image);
await probe.close();

const rows = [
  ['start: Skiff (scale 0→1, through the router)', summarize(skiff.start), summarize(engine.start)],
  ['start: engine (docker run, published port)', summarize(engine.start), summarize(engine.start)],
  ['recovery: Skiff after docker kill', summarize(skiff.dockerKill), summarize(engine.restart)],
  ['recovery: Skiff after kill -9 of the container init', summarize(skiff.hostKill), summarize(engine.restart)],
  ['recovery: engine --restart=always after kill -9', summarize(engine.restart), summarize(engine.restart)],
];
console.log(`container start and recovery, ms (median of ${runs} runs; ratio against the engine's own figure)`);
console.log(
  formatTable(
    ['what', 'median', 'p90', 'min', 'max', 'vs engine'],
    rows.map(([what, s, base]) => [what, ms(s.median), ms(s.p90), ms(s.min), ms(s.max), ratio(s.median, base.median)]),
  ),
);
