/**
 * `skiff init` end to end: on fixtures of each language whose runtime this machine has (Node,
 * Python, a Dockerfile on the real engine), the real CLI writes skiff.yaml, the real `skiff up`
 * starts it, and a request through the router reaches each service. Go is checked by validation
 * when no Go toolchain is installed, with the reason printed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectEngine, probeEngine } from '../../src/drivers/docker/engine.js';
import { repoRoot, skiffBin, startPlatform, tempDir, waitFor, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'init', 'services');

function has(command: string, args: string[]): { ok: boolean; reason: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? { ok: true, reason: '' } : { ok: false, reason: result.error ? String(result.error.message) : result.stderr.trim() };
}

const python = has('python3', ['--version']);
const go = has('go', ['version']);
const engine = await probeEngine(connectEngine({}), 3000);
const runnable = ['node-api', ...(python.ok ? ['py-api'] : []), ...(go.ok ? ['go-api'] : []), ...(engine.reachable ? ['docker-api'] : [])];
for (const [what, ok, reason] of [['python3', python.ok, python.reason], ['go', go.ok, go.reason], ['a Docker engine', engine.reachable, engine.reachable ? '' : engine.reason]] as const) {
  if (!ok) console.warn(`\n*** skiff init e2e: no ${what} on this machine (${reason}); its fixture is checked by validation only ***\n`);
}

function skiff(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [skiffBin, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Every file of a directory tree, by path relative to it. */
function filesOf(dir: string, prefix = ''): Record<string, string> {
  return Object.fromEntries(
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const relative = path.join(prefix, entry.name);
      return entry.isDirectory() ? Object.entries(filesOf(path.join(dir, entry.name), relative)) : [[relative, fs.readFileSync(path.join(dir, entry.name), 'utf8')]];
    }),
  );
}

describe('skiff init, then skiff up', () => {
  let platform: Platform | undefined;
  const dirs: string[] = [];

  afterAll(async () => {
    await platform?.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    if (engine.reachable) {
      // The image Skiff built for the fixture's Dockerfile, by the label it puts on it.
      const images = execFileSync('docker', ['images', '-q', '--filter', 'label=skiff.service=docker-api'], { encoding: 'utf8' }).split('\n').filter(Boolean);
      if (images.length > 0) spawnSync('docker', ['rmi', '-f', ...new Set(images)]);
    }
  }, 60_000);

  it(`runs what init wrote for ${runnable.join(', ')}: each answers through the router`, async () => {
    const dir = tempDir('skiff-init-e2e-');
    dirs.push(dir);
    for (const name of runnable) fs.cpSync(path.join(fixtures, name), path.join(dir, name), { recursive: true });
    const init = skiff(dir, 'init', '--yes');
    expect(init.code, init.stderr).toBe(0);
    expect(skiff(dir, 'validate').code).toBe(0);

    const { 'skiff.yaml': spec, ...files } = filesOf(dir);
    platform = await startPlatform({ spec: spec!, files });
    await waitForReady(platform, Object.fromEntries(runnable.map((name) => [name, 1])), 120_000);
    for (const name of runnable) {
      const answer = await waitFor(`${name} through the router`, async () => {
        const response = await fetch(`${platform!.routerUrl}/${name}/hello`);
        return response.ok ? ((await response.json()) as { service: string; url: string }) : (await response.body?.cancel(), null);
      });
      expect(answer).toEqual({ service: name, url: '/hello' });
    }
  }, 240_000);

  it(`writes a spec that validates for the Go fixture as a directory of its own${go.ok ? '' : ' (validation only: no Go toolchain here)'}`, () => {
    const dir = tempDir('skiff-init-go-');
    dirs.push(dir);
    const service = path.join(dir, 'go-api');
    fs.cpSync(path.join(fixtures, 'go-api'), service, { recursive: true });
    const init = skiff(service, 'init', '--yes');
    expect(init.code, init.stderr).toBe(0);
    const validate = skiff(service, 'validate');
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('1 service (go-api), 3 environments (dev, staging, production)');
    expect(fs.readFileSync(path.join(service, 'skiff.yaml'), 'utf8')).toContain('command: [go, build, "-o", go-api, .]');
  });
});
