/**
 * An environment with `provider: kubernetes` cannot run yet: `skiff up` of it refuses with a
 * coded error that names what to do instead, and saves nothing that would make the next start of
 * the same data directory (of a local environment) fail as well.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoSpecWithCluster, freePort, skiffBin, startPlatform, tempDir, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

const spec = echoSpecWithCluster({ instances: 1 });

let platform: Platform | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function upRefused(specDir: string, dataDir: string, env: string): Promise<{ code: number | null; output: string; ports: number[] }> {
  const ports = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [skiffBin, 'up', specDir, '--env', env, '--data', dataDir, '--api-port', String(ports[0]), '--router-port', String(ports[1])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`skiff up did not exit within 60 s: ${output}`));
    }, 60_000);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, output, ports };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('provider: kubernetes', () => {
  it('skiff up of a kubernetes environment refuses with SKIFF_NOT_SUPPORTED, and the data directory still starts its local environment', async () => {
    const specDir = tempDir('skiff-spec-');
    const dataDir = tempDir('skiff-data-');
    dirs.push(specDir);
    fs.writeFileSync(path.join(specDir, 'skiff.yaml'), spec);

    const refused = await upRefused(specDir, dataDir, 'cluster');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('environment cluster: the Kubernetes provider cannot run environments yet [SKIFF_NOT_SUPPORTED]');
    expect(refused.output).toContain('skiff export cluster --format kubernetes');
    for (const port of refused.ports) expect(await accepts(port)).toBe(false);

    // Nothing of the refused start was saved: the local environment starts from the same data directory.
    platform = await startPlatform({ spec, dataDir });
    await waitForReady(platform, { echo: 1 });
    const answer = await fetch(`${platform.routerUrl}/echo/`);
    expect(answer.status).toBe(200);
    const releases = platform.cli(['releases', 'echo', 'cluster']);
    expect(releases.stdout).toContain('echo has no releases in cluster yet');
  }, 120_000);

  it('a deploy to a kubernetes environment refuses with SKIFF_NOT_SUPPORTED and records no release, while dev keeps running', async () => {
    platform = await startPlatform({ spec });
    await waitForReady(platform, { echo: 1 });
    const build = platform.cli(['build', 'echo']);
    expect(build.code, build.stderr).toBe(0);
    const deploy = platform.cli(['deploy', 'echo', 'latest', 'cluster']);
    expect(deploy.code).toBe(1);
    expect(deploy.stderr).toContain('environment cluster: the Kubernetes provider cannot run environments yet [SKIFF_NOT_SUPPORTED]');
    expect(platform.cli(['releases', 'echo', 'cluster']).stdout).toContain('echo has no releases in cluster yet');
    expect((await fetch(`${platform.routerUrl}/echo/`)).status).toBe(200);
    // The spec can still be applied: the refused environment holds nothing that needs its provider.
    const apply = platform.cli(['apply', 'skiff.yaml', '-m', 'again']);
    expect(apply.code, apply.stderr).toBe(0);
  }, 120_000);
});
