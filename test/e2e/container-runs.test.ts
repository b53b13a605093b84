/**
 * `skiff run` with a `driver: docker` service on the real Docker engine: the command runs in a
 * container of the release's image with its config, its output and exit code come back to the
 * CLI, its standard input goes in, and the container is gone afterwards. Skipped with a loud
 * warning only when no engine answers outside CI.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, probeEngine } from '../../src/drivers/docker/engine.js';
import { skiffBin, startPlatform, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

const DOCKER = '/usr/bin/docker';
const engine = await probeEngine(connectEngine({}), 3000);
if (!engine.reachable) {
  if (process.env.CI) throw new Error(`no Docker engine is reachable in CI: ${engine.reason}`);
  console.warn(`\n*** SKIPPING the container run e2e tests: no Docker engine is reachable (${engine.reason}); start dockerd (see docs/docker.md) ***\n`);
}

function docker(...args: string[]): string {
  return execFileSync(DOCKER, args, { encoding: 'utf8', timeout: 30_000 }).trim();
}

// A service name of its own: its images (`skiff-runbox:*`) are removed at the end.
const service = 'runbox';
const dockerfile = 'FROM skiff-node-base:20\nCOPY server.mjs /app/server.mjs\nCOPY tool.mjs /app/tool.mjs\nCMD ["node", "/app/server.mjs"]\n';
const server = `import http from 'node:http';
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '0.0.0.0');
`;
// Reads its input, answers it in capitals with the release's config and where it runs, then exits with the code it is given.
const tool = `import fs from 'node:fs';
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  console.log('GREETING=' + process.env.GREETING + ' RELEASE=' + process.env.SKIFF_RELEASE + ' RUN=' + process.env.SKIFF_RUN_ID);
  console.log('in a container: ' + fs.existsSync('/.dockerenv') + ' as uid ' + process.getuid());
  console.log(input.toUpperCase().trim());
  console.error('to stderr');
  process.exit(Number(process.argv[2] ?? 0));
});
`;

const spec = `name: crun
services:
  ${service}:
    path: box
    driver: docker
    image: { dockerfile: ./Dockerfile }
    instances: 1
    env: { GREETING: hello-from-a-container }
    readiness: { http: /health, interval: 200ms }
    stopGrace: 1s
environments:
  dev: {}
`;

interface RunJson {
  id: number;
  state: string;
  exitCode: number | null;
  release: string;
  command: string[];
}

/** The containers Skiff started for a run of this platform (its instance label is `run-ID`). */
function runContainers(id: number): string {
  return docker('ps', '-a', '-q', '--filter', `label=skiff.instance=run-${id}`, '--filter', `label=skiff.service=${service}`);
}

describe.skipIf(!engine.reachable)('skiff run with a container service', () => {
  let platform: Platform | undefined;

  beforeAll(async () => {
    platform = await startPlatform({ spec, files: { 'box/Dockerfile': dockerfile, 'box/server.mjs': server, 'box/tool.mjs': tool } });
    await waitForReady(platform, { [service]: 1 }, 90_000);
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    const left = docker('ps', '-a', '-q', '--filter', `label=skiff.service=${service}`);
    if (left) docker('rm', '-f', ...left.split('\n'));
    const images = docker('images', '-q', '--filter', `reference=skiff-${service}`);
    if (images) spawnSync(DOCKER, ['rmi', '-f', ...new Set(images.split('\n'))], { timeout: 30_000 });
  }, 60_000);

  it('runs the command in a container of the release image: output, input and exit code come back, the container is removed', async () => {
    const p = platform!;
    const ok = p.cli(['run', service, 'dev', '--', 'node', '/app/tool.mjs', '0'], {}, 'make it loud\n');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('GREETING=hello-from-a-container RELEASE=v1 RUN=run-');
    expect(ok.stdout).toContain('in a container: true as uid 1000');
    expect(ok.stdout).toContain('MAKE IT LOUD');
    expect(ok.stdout).toContain('to stderr');

    const failed = p.cli(['run', service, 'dev', '--', 'node', '/app/tool.mjs', '7'], {}, 'quiet\n');
    expect(failed.code).toBe(7);
    expect(failed.stdout).toContain('QUIET');
    expect(failed.stderr).toContain('failed: exited with code 7');

    // Not in the image: the container's init says so and exits 127, as a shell would.
    const missing = p.cli(['run', service, 'dev', '--', 'no-such-program-here']);
    expect(missing.code).toBe(127);
    expect(missing.stdout).toContain('exec no-such-program-here failed: No such file or directory');
    expect(missing.stderr).toContain('failed: exited with code 127');

    const listed = p.cli(['runs', service, 'dev', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const recorded = JSON.parse(listed.stdout) as RunJson[];
    expect(recorded.map((run) => [run.state, run.exitCode, run.release])).toEqual([
      ['failed', 127, 'v1'],
      ['failed', 7, 'v1'],
      ['succeeded', 0, 'v1'],
    ]);
    for (const run of recorded) await waitFor(`the container of run ${run.id} to be removed`, () => runContainers(run.id) === '', 20_000);
  }, 120_000);

  it('Ctrl-C stops an attached run: its container is stopped and removed, the CLI exits as a signal ended it', async () => {
    const p = platform!;
    const cli = spawn(process.execPath, [skiffBin, 'run', service, 'dev', '--', 'node', '-e', "console.log('waiting'); setInterval(() => {}, 1000)"], {
      env: { ...process.env, SKIFF_API: p.apiUrl, SKIFF_DATA: p.dataDir },
      cwd: p.specDir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    cli.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
    await waitFor('the command to print', () => {
      if (cli.exitCode !== null) throw new Error(`cli exited ${cli.exitCode}: ${out} ${err}`);
      return out.includes('waiting');
    }, 60_000);
    const listed = JSON.parse(p.cli(['runs', service, 'dev', '--json']).stdout) as RunJson[];
    const running = listed.find((run) => run.state === 'running')!;
    expect(runContainers(running.id)).not.toBe('');
    cli.kill('SIGINT');
    expect(await exited, err).toBe(143);
    expect(err).toContain('stopped by');
    await waitFor(`the container of run ${running.id} to be removed`, () => runContainers(running.id) === '', 20_000);
  }, 120_000);
});
