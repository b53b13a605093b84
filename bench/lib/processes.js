// Starting and stopping the processes a benchmark owns. Everything is stopped by pid.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';

export async function freePort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while the pid runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function killPid(pid, signal = 'SIGKILL') {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every `everyMs` until it returns a value other than undefined. */
export async function waitFor(check, { timeoutMs, everyMs = 20, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function waitForExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Spawns a child that keeps its output in memory (the last 64 KiB), for error messages. */
export function spawnCaptured(command, args, options) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

/**
 * The processes a benchmark started and its temp directory: `cleanup()` stops them (newest first,
 * SIGTERM then SIGKILL) and removes the directory, also when bench/run.js stops the benchmark with
 * SIGTERM or a person with Ctrl-C.
 */
export function ownedProcesses({ tmp, name }) {
  const owned = [];
  async function cleanup() {
    for (const pid of owned.splice(0).reverse()) {
      killPid(pid, 'SIGTERM');
      if (!(await waitForExit(pid, 8_000))) killPid(pid, 'SIGKILL');
    }
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => {
      console.error(`${name}: ${signal}, stopping its processes`);
      cleanup().finally(() => process.exit(1));
    });
  }
  return { owned, cleanup };
}
