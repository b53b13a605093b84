// Skiff as the system under test: `node bin/skiff.js up` on free ports with a temporary data
// directory, observed through its status API.
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, isAlive, killPid, spawnCaptured, waitFor, waitForExit } from './processes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const helloDir = path.join(repoRoot, 'bench/fixtures/hello');

/** `key: value` lines of a YAML map under `key:`, indented; none for an empty map. */
function yamlMap(key, entries, indent) {
  const pairs = Object.entries(entries);
  if (pairs.length === 0) return '';
  return `${indent}${key}:\n${pairs.map(([name, value]) => `${indent}  ${name}: ${value}\n`).join('')}`;
}

/**
 * A skiff.yaml with one `hello` service routed at `/hello`. `env`: variables (values quoted);
 * `readinessInterval`: how often readiness is probed; `strategy`: the rollout strategy's keys
 * and plain YAML values (`{ type: 'rolling', maxSurge: '100%' }`).
 */
export function helloSpec({ instances, env = {}, readinessInterval = '1s', strategy = {} }) {
  const quoted = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, JSON.stringify(String(value))]));
  return `version: 1
name: bench
services:
  hello:
    path: ${JSON.stringify(helloDir)}
    start: [node, server.mjs]
    instances: ${instances}
${yamlMap('env', quoted, '    ')}    readiness:
      http: /health
      interval: ${readinessInterval}
    routes:
      - path: /hello
${yamlMap('strategy', strategy, '    ')}environments:
  dev: {}
`;
}

export async function startSkiff({ specText, environment = 'dev', readyTimeoutMs = 60_000 }) {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-'));
  const specDir = path.join(workDir, 'spec');
  const dataDir = path.join(workDir, 'data');
  mkdirSync(specDir);
  writeFileSync(path.join(specDir, 'skiff.yaml'), specText);
  const [apiPort, routerPort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const routerUrl = `http://127.0.0.1:${routerPort}`;
  const up = spawnCaptured(
    process.execPath,
    [
      // BENCH_SKIFF_FLAGS: node flags for `skiff up`, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles`.
      ...(process.env.BENCH_SKIFF_FLAGS ? process.env.BENCH_SKIFF_FLAGS.split(' ') : []),
      path.join(repoRoot, 'bin/skiff.js'), 'up', specDir,
      '--env', environment, '--data', dataDir,
      '--api-port', String(apiPort), '--router-port', String(routerPort),
    ],
    { cwd: workDir, env: process.env },
  );
  const seenPids = new Set();
  let exitedEarly = false;
  up.exited.then(() => (exitedEarly = true));

  /** `fetch` of an API path with the local admin token `skiff up` wrote to the data directory. */
  function api(apiPath, init = {}) {
    const token = readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
    return fetch(`${apiUrl}${apiPath}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
  }

  async function status() {
    const response = await api(`/api/v1/environments/${environment}/status`, {
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) throw new Error(`status answered ${response.status}`);
    const report = await response.json();
    for (const instance of report.instances) if (instance.pid) seenPids.add(instance.pid);
    return report;
  }

  const skiff = {
    apiUrl,
    routerUrl,
    specDir,
    dataDir,
    output: up.output,
    api,
    status,
    /** Runs `skiff ARGS` against this platform; resolves with its exit code and output. */
    async cli(args) {
      const cli = spawnCaptured(process.execPath, [path.join(repoRoot, 'bin/skiff.js'), ...args], {
        cwd: workDir,
        env: { ...process.env, SKIFF_API: apiUrl, SKIFF_DATA: dataDir },
      });
      const { code } = await cli.exited;
      return { code, output: cli.output() };
    },
    /** Resolves with the ready instances of `service` once it has `count` of them. */
    async readyInstances(service, count, timeoutMs = readyTimeoutMs) {
      return waitFor(
        async () => {
          if (exitedEarly) throw new Error('skiff up exited');
          const ready = (await status()).instances.filter((i) => i.service === service && i.state === 'ready' && i.pid);
          return ready.length === count ? ready : undefined;
        },
        { timeoutMs, what: `${count} ready instance(s) of ${service}` },
      ).catch((err) => {
        throw new Error(`${err.message}\n--- skiff up output ---\n${up.output()}`);
      });
    },
    async stop() {
      if (up.child.exitCode === null && up.child.signalCode === null) {
        killPid(up.child.pid, 'SIGTERM');
        if (!(await waitForExit(up.child.pid, 30_000))) killPid(up.child.pid);
      }
      // Instances run in their own process groups; after a clean stop none is left. If one is,
      // kill it only when it is still the fixture (a pid can be reused).
      for (const pid of seenPids) {
        if (isAlive(pid) && cwdOf(pid) === helloDir) killPid(pid);
      }
      const router = readJson(path.join(dataDir, 'router.json'));
      if (router?.pid && isAlive(router.pid) && cmdlineOf(router.pid).includes(dataDir)) killPid(router.pid);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(async () => (exitedEarly ? 'exited' : (await fetch(`${apiUrl}/api/v1/health`)).ok || undefined), {
      timeoutMs: readyTimeoutMs,
      what: 'the Skiff API',
    });
    if (exitedEarly) throw new Error(`skiff up exited early`);
  } catch (err) {
    await skiff.stop();
    throw new Error(`${err.message}\n--- skiff up output ---\n${up.output()}`);
  }
  return skiff;
}

function cwdOf(pid) {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

function cmdlineOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
