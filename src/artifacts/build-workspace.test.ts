/** A build whose process dies leaves no running command and no work directory behind. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../drivers/testing/fixtures.js';
import { transpileForNode } from '../drivers/testing/transpile.js';
import { createArtifactStore } from './artifact-store.js';
import { buildArtifact } from './build-artifact.js';
import { buildEnv, useTempDirs } from './testing/fixtures.js';

const tempDir = useTempDirs();
/** Build commands these tests started: killed after each test, should a failing one leave them. */
const commands: number[] = [];
afterEach(() => {
  for (const pid of commands.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a process that builds with a command that never ends; resolves once the command runs, with both pids. */
async function startStuckBuild(dirs: { work: string; scratch: string }, then: 'wait' | 'exit'): Promise<{ builder: number; command: number }> {
  const entry = await transpileForNode(path.resolve('src/artifacts/build-artifact.ts'), path.resolve('src'), path.join(dirs.scratch, 'compiled'));
  const store = path.join(dirs.scratch, 'store');
  const mark = path.join(dirs.scratch, 'command.pid');
  const context = path.join(dirs.scratch, 'ctx');
  await writeFile(path.join(dirs.scratch, 'ctx.txt'), '');
  const script = path.join(dirs.scratch, 'builder.mjs');
  await writeFile(
    script,
    [
      `import fs from 'node:fs';`,
      `const { buildArtifact } = await import(${JSON.stringify(pathToFileURL(entry).href)});`,
      `const { createArtifactStore } = await import(${JSON.stringify(pathToFileURL(entry.replace(/build-artifact\.js$/, 'artifact-store.js')).href)});`,
      `fs.mkdirSync(${JSON.stringify(context)}, { recursive: true });`,
      `const command = [process.execPath, '-e', "require('fs').writeFileSync(process.env.MARK, String(process.pid)); setInterval(() => {}, 1000)"];`,
      `void buildArtifact({ service: 'svc', contextDir: ${JSON.stringify(context)}, store: createArtifactStore(${JSON.stringify(store)}), env: { ...process.env, MARK: ${JSON.stringify(mark)} }, command, workDir: ${JSON.stringify(dirs.work)} });`,
      then === 'exit' ? `const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(mark)})) { clearInterval(t); process.exit(0); } }, 5);` : '',
    ].join('\n'),
  );
  const builder = spawn(process.execPath, [script], { stdio: 'inherit' });
  const command = Number(await waitFor('the build command', async () => (existsSync(mark) ? readFile(mark, 'utf8') : null), { timeoutMs: 20_000 }));
  commands.push(command);
  return { builder: builder.pid as number, command };
}

describe('build workspaces', () => {
  it('the next build kills the command and removes the directory of a build whose process was killed', async () => {
    const dirs = { work: await tempDir('work'), scratch: await tempDir('scratch') };
    const { builder, command } = await startStuckBuild(dirs, 'wait');
    process.kill(builder, 'SIGKILL');
    await waitFor('the builder to die', () => !alive(builder));
    // Left alone, the detached command keeps running and its directory stays.
    expect(alive(command)).toBe(true);

    const context = await tempDir('ctx2');
    await writeFile(path.join(context, 'a.txt'), 'a\n');
    await buildArtifact({ service: 'other', contextDir: context, store: createArtifactStore(await tempDir('store2')), env: buildEnv, workDir: dirs.work });
    await waitFor('the stale command to be killed', () => !alive(command));
    expect(await readdir(dirs.work)).toEqual([]);
  });

  it('kills the command and removes the directory when the building process exits mid-build', async () => {
    const dirs = { work: await tempDir('work'), scratch: await tempDir('scratch') };
    const { builder, command } = await startStuckBuild(dirs, 'exit');
    await waitFor('the builder to exit', () => !alive(builder));
    await waitFor('the command to be killed', () => !alive(command));
    expect(await readdir(dirs.work)).toEqual([]);
  });
});
