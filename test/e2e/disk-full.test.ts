/**
 * The data directory on a disk that fills up: requests that need space fail with SKIFF_DISK_FULL
 * naming where, everything else keeps answering, and the same requests work once space returns.
 * Uses a real 16 MiB tmpfs, which needs root (mount); skipped loudly elsewhere, failed in CI.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { echoSpec, startPlatform, tempDir, waitForReady } from './platform.js';
import type { Platform } from './platform.js';

const mountPoint = tempDir('skiff-tmpfs-');
let mounted = false;
let whyNot = '';
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', mountPoint], { stdio: 'pipe' });
  mounted = true;
} catch (error) {
  whyNot = String((error as { stderr?: Buffer }).stderr ?? error).trim();
  if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs in CI: ${whyNot}`);
  console.warn(`\n*** SKIPPING the disk-full e2e test: cannot mount a tmpfs (${whyNot}); run it as root ***\n`);
}

let platform: Platform | undefined;
afterAll(async () => {
  await platform?.stop();
  if (mounted) {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    } catch (error) {
      // Something still runs from it (instances outlive a crashed control plane): detach it anyway.
      console.warn(`umount ${mountPoint} failed (${String(error)}); detaching it lazily`);
      execFileSync('umount', ['-l', mountPoint]);
    }
  }
  fs.rmSync(mountPoint, { recursive: true, force: true });
});

/** Writes until the disk is full; returns the filler's path. Bounded by the filesystem's size. */
function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let i = 0; i < 1024; i += 1) {
      try {
        fs.writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
    // The last pages: a byte at a time would be slow, a few small writes are enough.
    for (const size of [4096, 512, 1]) {
      for (let i = 0; i < 64; i += 1) {
        try {
          fs.writeSync(fd, Buffer.alloc(size, 1));
        } catch {
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

/** A CLI call that must answer within its own bound (a hung server fails it). */
function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const result = platform!.cli(args);
  return { ...result, stderr: `${result.stderr}\n--- skiff up output:\n${platform!.output().slice(-3000)}` };
}

describe.skipIf(!mounted)('a full disk under the data directory', () => {
  it('answers SKIFF_DISK_FULL with the path, keeps serving, and works again once space returns', async () => {
    const dataDir = path.join(mountPoint, 'data');
    fs.mkdirSync(dataDir);
    platform = await startPlatform({ spec: echoSpec({ instances: 1 }), dataDir });
    await waitForReady(platform, { echo: 1 });
    const filler = fillDisk(mountPoint);

    const built = cli(['build', 'echo']);
    expect(built.code, built.stdout).toBe(1);
    expect(built.stderr).toContain('SKIFF_DISK_FULL');
    expect(built.stderr).toContain(dataDir);
    const secret = cli(['secret', 'set', 'echo', 'TOKEN=Zq8vN2pLx7RkT4mW']);
    expect([secret.code === 0, secret.stderr.includes('SKIFF_DISK_FULL')]).toContain(true);
    // Reads keep answering, again and again, and the service keeps serving.
    for (let i = 0; i < 5; i += 1) {
      const status = cli(['status', '--json']);
      expect(status.code, status.stderr).toBe(0);
    }
    const answer = await fetch(`${platform.routerUrl}/echo/`);
    expect(answer.status).toBe(200);

    fs.rmSync(filler);
    const again = cli(['build', 'echo']);
    expect(again.code, again.stderr).toBe(0);
    const after = cli(['secret', 'set', 'echo', 'TOKEN=Zq8vN2pLx7RkT4mW']);
    expect(after.code, after.stderr).toBe(0);
    expect(platform.process.exitCode).toBeNull();
  });
});
