import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProcStat } from '../core/proc.js';
import { createArtifactStore } from './artifact-store.js';
import { buildArtifact, BuildFailedError } from './build-artifact.js';
import { buildEnv, snapshotTree, useTempDirs, writeTree } from './testing/fixtures.js';

const tempDir = useTempDirs();
const node = process.execPath;

async function context(): Promise<string> {
  const dir = await tempDir('ctx');
  await writeTree(dir, {
    'package.json': '{"name":"svc"}\n',
    'src/index.js': 'export const answer = 42;\n',
    'bin/run': { content: '#!/bin/sh\n', mode: 0o755 },
    'current': { symlink: 'src' },
    '.skiffignore': ['# local only', 'node_modules/', '*.log', '!keep.log', 'data/', ''].join('\n'),
    'node_modules/dep/index.js': 'dependency\n',
    'debug.log': 'noise\n',
    'keep.log': 'kept\n',
    'data/db.sqlite': 'rows\n',
    'src/data/fixture.json': '{}',
    '.git/HEAD': 'not a real repository\n',
  });
  return dir;
}

/** The files of an artifact, unpacked. */
async function contents(store: ReturnType<typeof createArtifactStore>, digest: string): Promise<string[]> {
  const target = path.join(await tempDir('out'), 'tree');
  await store.unpack(digest, target);
  return Object.keys(await snapshotTree(target, ['.skiff-digest']));
}

describe('buildArtifact', () => {
  it('gives the same digest for the same inputs: twice, and from a copy elsewhere with other mtimes', async () => {
    const store = createArtifactStore(await tempDir('store'));
    const ctx = await context();
    const first = await buildArtifact({ service: 'svc', contextDir: ctx, store, env: buildEnv });
    const second = await buildArtifact({ service: 'svc', contextDir: ctx, store, env: buildEnv });
    expect(second.record.digest).toBe(first.record.digest);

    const elsewhere = path.join(await tempDir('elsewhere'), 'deeper', 'svc');
    await cp(ctx, elsewhere, { recursive: true, verbatimSymlinks: true });
    await utimes(path.join(elsewhere, 'src/index.js'), new Date('2001-02-03'), new Date('2001-02-03'));
    await utimes(path.join(elsewhere, 'src'), new Date('2011-02-03'), new Date('2011-02-03'));
    const third = await buildArtifact({ service: 'svc', contextDir: elsewhere, store, env: buildEnv });
    expect(third.record.digest).toBe(first.record.digest);

    await writeFile(path.join(elsewhere, 'src/index.js'), 'export const answer = 43;\n');
    const changed = await buildArtifact({ service: 'svc', contextDir: elsewhere, store, env: buildEnv });
    expect(changed.record.digest).not.toBe(first.record.digest);
    // Ignored files do not take part in the digest.
    await writeFile(path.join(ctx, 'debug.log'), 'other noise\n');
    expect((await buildArtifact({ service: 'svc', contextDir: ctx, store, env: buildEnv })).record.digest).toBe(first.record.digest);
  });

  it('leaves out what .skiffignore lists, keeps negated files, and always leaves out .git', async () => {
    const store = createArtifactStore(await tempDir('store'));
    const { record } = await buildArtifact({ service: 'svc', contextDir: await context(), store, env: buildEnv });
    expect(await contents(store, record.digest)).toEqual([
      '.skiffignore',
      'bin',
      'bin/run',
      'current',
      'keep.log',
      'package.json',
      'src',
      'src/index.js',
    ]);
  });

  it('runs the build command in the copy, leaves the original untouched, and packs only the output directory', async () => {
    const store = createArtifactStore(await tempDir('store'));
    const ctx = await context();
    const before = await snapshotTree(ctx);
    const script = [
      "const fs = require('node:fs');",
      "fs.mkdirSync('dist');",
      "fs.writeFileSync('dist/bundle.js', fs.readFileSync('src/index.js', 'utf8').toUpperCase());",
      "fs.writeFileSync('dist/where.txt', process.cwd() + ' ' + (process.env.BUILD_MODE ?? 'unset'));",
      "fs.rmSync('package.json');",
      "console.log('built'); console.error('a warning');",
    ].join('\n');
    const progress: string[] = [];
    const result = await buildArtifact({
      service: 'svc',
      contextDir: ctx,
      store,
      command: [node, '-e', script],
      output: 'dist',
      env: { ...buildEnv, BUILD_MODE: 'release' },
      onOutput: (stream, text) => progress.push(`${stream}:${text.trim()}`),
    });
    expect(await snapshotTree(ctx)).toEqual(before);
    expect(result.stdout).toBe('built\n');
    expect(result.stderr).toBe('a warning\n');
    expect(progress.sort()).toEqual(['stderr:a warning', 'stdout:built']);
    expect(result.record).toMatchObject({ buildCommand: [node, '-e', script], output: 'dist' });

    const target = path.join(await tempDir('out'), 'tree');
    await store.unpack(result.record.digest, target);
    expect(await readFile(path.join(target, 'bundle.js'), 'utf8')).toBe('EXPORT CONST ANSWER = 42;\n');
    const [cwd, mode] = (await readFile(path.join(target, 'where.txt'), 'utf8')).split(' ');
    expect(cwd).not.toBe(ctx);
    expect(path.basename(cwd ?? '')).toBe('tree');
    expect(mode).toBe('release');
  });

  it('turns a failing build into SKIFF_BUILD_FAILED with the exit code and stderr, storing nothing', async () => {
    const storeDir = await tempDir('store');
    const store = createArtifactStore(storeDir);
    const command = [node, '-e', "console.log('compiling'); console.error('error TS2322: nope'); process.exit(3)"];
    const error = await buildArtifact({ service: 'svc', contextDir: await context(), store, command, env: buildEnv }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BuildFailedError);
    expect(error).toMatchObject({
      code: 'SKIFF_BUILD_FAILED',
      exec: { argv: command, exitCode: 3, stdout: 'compiling\n', stderr: 'error TS2322: nope\n' },
    });
    expect((error as Error).message).toContain('exited with 3');
    expect((error as Error).message).toContain('error TS2322: nope');
    expect(await store.list('svc')).toEqual([]);
  });

  it('reports an unknown program and a missing output directory as failed builds', async () => {
    const store = createArtifactStore(await tempDir('store'));
    const ctx = await context();
    await expect(
      buildArtifact({ service: 'svc', contextDir: ctx, store, command: ['no-such-build-tool-xyz'], env: buildEnv }),
    ).rejects.toMatchObject({ code: 'SKIFF_BUILD_FAILED', exec: { exitCode: null } });
    await expect(
      buildArtifact({ service: 'svc', contextDir: ctx, store, command: [node, '-e', ''], output: 'dist', env: buildEnv }),
    ).rejects.toMatchObject({ code: 'SKIFF_BUILD_FAILED', message: 'the build of svc left no output directory dist' });
    await expect(buildArtifact({ service: 'svc', contextDir: ctx, store, output: '../elsewhere', env: buildEnv })).rejects.toMatchObject({
      code: 'SKIFF_BAD_REQUEST',
    });
    await expect(
      buildArtifact({ service: 'svc', contextDir: path.join(ctx, 'missing'), store, env: buildEnv }),
    ).rejects.toMatchObject({ code: 'SKIFF_SERVICE_DIRECTORY_MISSING' });
  });

  it('ends a build that runs past its timeout, with the background children it started', async () => {
    const store = createArtifactStore(await tempDir('store'));
    const pidFile = path.join(await tempDir('pid'), 'child.pid');
    const script = [
      "const { spawn } = require('node:child_process');",
      `const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });`,
      `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));`,
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const started = Date.now();
    const error = await buildArtifact({ service: 'svc', contextDir: await context(), store, command: [node, '-e', script], env: buildEnv, timeoutMs: 1500 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'SKIFF_BUILD_FAILED' });
    expect((error as Error).message).toContain('did not finish within 1500 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
    const childPid = Number(await readFile(pidFile, 'utf8'));
    await expect.poll(() => isAlive(childPid), { timeout: 5000, interval: 50 }).toBe(false);
  });

  it('finishes when the build exits, even if it left a background child holding its output open', async () => {
    const store = createArtifactStore(await tempDir('store'));
    const pidFile = path.join(await tempDir('pid'), 'child.pid');
    const script = [
      "const { spawn } = require('node:child_process');",
      `const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });`,
      `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));`,
      "console.log('done');",
      'process.exit(0);',
    ].join('\n');
    const result = await buildArtifact({ service: 'svc', contextDir: await context(), store, command: [node, '-e', script], env: buildEnv, timeoutMs: 20_000 });
    expect(result.stdout).toBe('done\n');
    const childPid = Number(await readFile(pidFile, 'utf8'));
    await expect.poll(() => isAlive(childPid), { timeout: 5000, interval: 50 }).toBe(false);
  });

  it('records the source commit of a git work tree, and whether it was dirty', async () => {
    const repo = await tempDir('repo');
    const ctx = path.join(repo, 'services', 'svc');
    await writeTree(ctx, { 'index.js': 'v1\n' });
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.email=test@skiff.invalid', '-c', 'user.name=Skiff Test', '-C', repo, ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    const head = git('rev-parse', 'HEAD');
    const store = createArtifactStore(await tempDir('store'));
    const clean = await buildArtifact({ service: 'svc', contextDir: ctx, store, env: buildEnv });
    expect(clean.record.source).toEqual({ commit: head, dirty: false });

    await writeFile(path.join(ctx, 'index.js'), 'v2\n');
    const dirty = await buildArtifact({ service: 'svc', contextDir: ctx, store, env: buildEnv });
    expect(dirty.record.source).toEqual({ commit: head, dirty: true });
    expect(await store.get(dirty.record.digest, 'svc')).toMatchObject({ source: { commit: head, dirty: true } });

    // Without git on the PATH, HEAD is still read from the .git directory.
    const withoutGit = await buildArtifact({ service: 'svc', contextDir: ctx, store, env: { PATH: '/nonexistent' } });
    expect(withoutGit.record.source).toEqual({ commit: head, dirty: null });

    const plain = await buildArtifact({ service: 'plain', contextDir: await tempDir('plain'), store, env: buildEnv });
    expect(plain.record.source).toBeNull();
  });
});

/** Running, as opposed to gone or a zombie waiting for its reaper (PID 1 here reaps late). */
function isAlive(pid: number): boolean {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.state !== 'Z';
  } catch {
    return false;
  }
}
