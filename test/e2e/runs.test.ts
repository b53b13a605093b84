/**
 * `skiff run` end to end with the real `skiff up`: a command runs with the environment's release
 * of the service (its config), its output comes back, its input goes in, its exit code is the
 * CLI's; Ctrl-C stops it with its process group; `--detach` runs it in the background and
 * `skiff runs` shows how it ended; a control-plane restart adopts a run still going.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoServer, skiffBin, startPlatform, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

let platform: Platform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

const spec = `name: shop
services:
  app:
    path: app
    start: [node, server.mjs]
    env: { GREETING: hello-from-dev }
    readiness: { http: /health, interval: 200ms }
    routes: [{ path: /app }]
environments:
  dev: {}
`;

// Reads its input, answers it in capitals with the release's config, then exits with the code it is given.
const tool = `let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  console.log('GREETING=' + process.env.GREETING + ' RELEASE=' + process.env.SKIFF_RELEASE);
  console.log(input.toUpperCase().trim());
  process.exit(Number(process.argv[2] ?? 0));
});
`;

// Runs until the file it names exists; prints its pid and its child's, which must die with it.
const waiter = `import fs from 'node:fs';
import { spawn } from 'node:child_process';
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log('waiting pid=' + process.pid + ' child=' + child.pid);
const timer = setInterval(() => {
  if (fs.existsSync(process.argv[2])) { clearInterval(timer); child.kill(); console.log('done'); }
}, 50);
`;

interface RunJson {
  id: number;
  kind: string;
  state: string;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  pid: number | null;
  release: string;
  command: string[];
  author: string;
  durationMs: number | null;
  stoppedBy: string | null;
}

function runs(p: Platform): RunJson[] {
  const listed = p.cli(['runs', 'app', 'dev', '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as RunJson[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('skiff run', () => {
  it('runs a command with the release: stdin in, stdout out, its exit code out; bad input refused; every run recorded', async () => {
    platform = await startPlatform({ spec, files: { 'app/server.mjs': fs.readFileSync(echoServer, 'utf8'), 'app/tool.mjs': tool } });
    await waitForReady(platform, { app: 1 });

    const ok = platform.cli(['run', 'app', 'dev', '--', 'node', 'tool.mjs', '0'], {}, 'make it loud\n');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('GREETING=hello-from-dev RELEASE=v1');
    expect(ok.stdout).toContain('MAKE IT LOUD');

    const failed = platform.cli(['run', 'app', 'dev', '--', 'node', 'tool.mjs', '3'], {}, 'quiet\n');
    expect(failed.code).toBe(3);
    expect(failed.stdout).toContain('QUIET');
    expect(failed.stderr).toContain('failed: exited with code 3');

    const missing = platform.cli(['run', 'app', 'dev', '--', 'no-such-program-here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('SKIFF_COMMAND_START_FAILED');
    expect(platform.cli(['run', 'nope', 'dev', '--', 'node', '-v']).stderr).toContain('SKIFF_UNKNOWN_SERVICE');
    expect(platform.cli(['run', 'app', 'nowhere', '--', 'node', '-v']).stderr).toContain('SKIFF_UNKNOWN_ENVIRONMENT');

    const recorded = runs(platform);
    expect(recorded.map((run) => [run.kind, run.state, run.exitCode, run.release])).toEqual([
      ['run', 'failed', null, 'v1'],
      ['run', 'failed', 3, 'v1'],
      ['run', 'succeeded', 0, 'v1'],
    ]);
    expect(recorded[0]!.reason).toContain('could not start');
    expect(recorded[2]!.command).toEqual(['node', 'tool.mjs', '0']);
    expect(recorded[2]!.durationMs).toBeGreaterThanOrEqual(0);
    // Audited: who ran what.
    const audit = platform.cli(['audit', '--json']);
    expect(audit.stdout).toContain('run [\\"node\\",\\"tool.mjs\\",\\"3\\"] with app in dev');
  });

  it('--detach runs it in the background; Ctrl-C stops an attached run with its process group', async () => {
    platform = await startPlatform({ spec, files: { 'app/server.mjs': fs.readFileSync(echoServer, 'utf8'), 'app/waiter.mjs': waiter } });
    await waitForReady(platform, { app: 1 });
    const flag = path.join(platform.specDir, 'go');

    // Detached: the CLI answers at once with the run id; the run finishes on its own.
    const detached = platform.cli(['run', 'app', 'dev', '--detach', '--', 'node', 'waiter.mjs', flag]);
    expect(detached.code, detached.stderr).toBe(0);
    const id = Number(/run (\d+)/.exec(detached.stdout)?.[1]);
    expect(runs(platform).find((run) => run.id === id)?.state).toBe('running');
    fs.writeFileSync(flag, '');
    const finished = await waitFor('the detached run to finish', () => runs(platform!).find((run) => run.id === id && run.state !== 'running'));
    expect(finished).toMatchObject({ state: 'succeeded', exitCode: 0 });
    fs.rmSync(flag);

    // Attached, then Ctrl-C: the command and the child it started are gone, the CLI says how it ended.
    const cli = spawn(process.execPath, [skiffBin, 'run', 'app', 'dev', '--', 'node', 'waiter.mjs', flag], {
      env: { ...process.env, SKIFF_API: platform.apiUrl, SKIFF_DATA: platform.dataDir },
      cwd: platform.specDir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    cli.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
    const pids = await waitFor('the command to print its pids', () => /pid=(\d+) child=(\d+)/.exec(out) ?? (cli.exitCode !== null ? (() => { throw new Error(`cli exited ${cli.exitCode}: ${out} ${err}`); })() : null), 60_000);
    cli.kill('SIGINT');
    expect(await exited, err).toBe(143);
    expect(err).toContain('stopped by');
    expect(alive(Number(pids[1]))).toBe(false);
    await waitFor('its child to be gone with its process group', () => !alive(Number(pids[2])));

  }, 120_000);

  it('a run going on while the control plane is killed is adopted by the next one and recorded when it ends', async () => {
    platform = await startPlatform({ spec, files: { 'app/server.mjs': fs.readFileSync(echoServer, 'utf8'), 'app/waiter.mjs': waiter } });
    await waitForReady(platform, { app: 1 });
    const flag = path.join(platform.specDir, 'go');
    const survivor = platform.cli(['run', 'app', 'dev', '--detach', '--', 'node', 'waiter.mjs', flag]);
    const survivorId = Number(/run (\d+)/.exec(survivor.stdout)?.[1]);
    await platform.kill();
    await platform.restart();
    expect(runs(platform).find((run) => run.id === survivorId)?.state).toBe('running');
    fs.writeFileSync(flag, '');
    const adopted = await waitFor('the adopted run to end', () => runs(platform!).find((run) => run.id === survivorId && run.state !== 'running'));
    // It was not this control plane's child: its exit status comes from what the exit recorder left.
    expect(adopted).toMatchObject({ state: 'succeeded', exitCode: 0 });

    // One that ends while no control plane runs is recorded with its exit status when the next one starts.
    fs.rmSync(flag);
    const unwatched = platform.cli(['run', 'app', 'dev', '--detach', '--', 'node', 'waiter.mjs', flag]);
    const unwatchedId = Number(/run (\d+)/.exec(unwatched.stdout)?.[1]);
    const pid = runs(platform).find((run) => run.id === unwatchedId)!.pid!;
    await platform.kill();
    fs.writeFileSync(flag, '');
    await waitFor('the run to end while no control plane runs', () => !alive(pid));
    await platform.restart();
    expect(runs(platform).find((run) => run.id === unwatchedId)).toMatchObject({ state: 'succeeded', exitCode: 0 });
  }, 120_000);
});
