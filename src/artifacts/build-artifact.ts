/**
 * `skiff build`: copy the context (minus `.skiffignore`) into a clean directory, run the build
 * command there, pack the result deterministically and store it under its digest.
 */
import { mkdir, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SkiffError, type ExecError } from '../core/errors.js';
import { checkServiceName, type ArtifactRecord } from './artifact-record.js';
import type { ArtifactStore } from './artifact-store.js';
import { createBuildWorkspace, removeStaleBuilds } from './build-workspace.js';
import { copyContext } from './context-copy.js';
import { runCommand, type OutputStream } from './run-command.js';
import { readSourceInfo } from './source-info.js';
import type { SourceInfo } from './source-info.js';
import { packDirectory, type PackResult } from './tar-pack.js';

export const DEFAULT_BUILD_TIMEOUT_MS = 10 * 60 * 1000;

export interface BuildOptions {
  readonly service: string;
  /** The service's directory: what is copied, and where the source commit is read. */
  readonly contextDir: string;
  readonly store: ArtifactStore;
  /** Run in the copy before packing, as an argv (no shell). */
  readonly command?: readonly string[];
  /** Pack only this sub-directory of the build result (relative, inside the copy). */
  readonly output?: string;
  /** The build command's whole environment; also where `git` is looked up (PATH). */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Progress: the build command's output as it comes. */
  readonly onOutput?: (stream: OutputStream, text: string) => void;
  /** Where the clean copy is made; the system temp directory when not given. */
  readonly workDir?: string;
  /** The commit the context is a clean tree of (a commit-started pipeline); read from the context's git when absent. */
  readonly source?: SourceInfo;
}

export interface BuildResult {
  readonly record: ArtifactRecord;
  /** Entries packed (files, directories, symlinks). */
  readonly entries: number;
  /** The build command's output (tails), empty when there was no command. */
  readonly stdout: string;
  readonly stderr: string;
}

/** SKIFF_BUILD_FAILED, with the failed command as a value. */
export class BuildFailedError extends SkiffError {
  readonly exec: ExecError;

  constructor(message: string, exec: ExecError, hint: string) {
    super('SKIFF_BUILD_FAILED', message, { hint, cause: exec });
    this.exec = exec;
  }
}

export async function buildArtifact(options: BuildOptions): Promise<BuildResult> {
  checkServiceName(options.service);
  const contextDir = path.resolve(options.contextDir);
  const contextStats = await stat(contextDir).catch(() => null);
  if (!contextStats?.isDirectory()) {
    throw new SkiffError('SKIFF_SERVICE_DIRECTORY_MISSING', `the context directory ${contextDir} of ${options.service} does not exist`, {
      hint: 'check the service path in the spec',
    });
  }
  const outputDir = options.output === undefined ? null : checkOutput(options.output);
  const workDir = options.workDir ?? os.tmpdir();
  await removeStaleBuilds(workDir);
  const workspace = await createBuildWorkspace(workDir, options.service);
  const work = workspace.dir;
  try {
    const tree = path.join(work, 'tree');
    await mkdir(tree);
    await copyContext(contextDir, tree);
    const source = options.source ?? (await readSourceInfo(contextDir, options.env));
    let stdout = '';
    let stderr = '';
    if (options.command && options.command.length > 0) {
      ({ stdout, stderr } = await runBuild(options.command, tree, { ...options, onSpawn: (pid) => workspace.recordGroup(pid) }));
    }
    const packRoot = outputDir === null ? tree : path.join(tree, outputDir);
    const packed = await packOutput(tree, packRoot, path.join(work, 'artifact.tar'), options);
    const record = await options.store.put(path.join(work, 'artifact.tar'), {
      service: options.service,
      source,
      buildCommand: options.command ?? null,
      output: outputDir,
    });
    return { record, entries: packed.entries, stdout, stderr };
  } finally {
    await workspace.remove();
  }
}

async function runBuild(
  command: readonly string[],
  cwd: string,
  options: BuildOptions & { readonly onSpawn: (pid: number) => Promise<void> },
): Promise<{ stdout: string; stderr: string }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
  const result = await runCommand(command, {
    cwd,
    env: options.env,
    timeoutMs,
    onSpawn: options.onSpawn,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
  const exec: ExecError = { argv: result.argv, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  const shown = command.join(' ');
  if (result.spawnError !== undefined) {
    throw new BuildFailedError(
      `the build command of ${options.service} could not start: ${result.spawnError}`,
      exec,
      `check that ${command[0]} is installed and on the PATH given to the build`,
    );
  }
  if (result.timedOut) {
    throw new BuildFailedError(
      `the build command of ${options.service} (${shown}) did not finish within ${timeoutMs} ms`,
      exec,
      'make the build faster or give it a longer timeout',
    );
  }
  if (options.signal?.aborted) {
    throw new BuildFailedError(`the build of ${options.service} was cancelled`, exec, 'run the build again');
  }
  if (result.exitCode !== 0) {
    const tail = lastLines(result.stderr || result.stdout, 5);
    throw new BuildFailedError(
      `the build command of ${options.service} (${shown}) exited with ${result.exitCode ?? 'a signal'}${tail ? `:\n${tail}` : ''}`,
      exec,
      'fix the build and run it again; the full output is in the error',
    );
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

async function packOutput(tree: string, root: string, tarPath: string, options: BuildOptions): Promise<PackResult> {
  const stats = await stat(root).catch(() => null);
  const real = stats?.isDirectory() ? await realpath(root) : null;
  // A symlinked output directory could point outside the copy and pack files that are not the build's.
  if (real === null || (real !== (await realpath(tree)) && !real.startsWith(`${await realpath(tree)}${path.sep}`))) {
    const exec: ExecError = { argv: [...(options.command ?? [])], exitCode: 0, stdout: '', stderr: '' };
    throw new BuildFailedError(
      `the build of ${options.service} left no output directory ${options.output ?? '.'}`,
      exec,
      'make the build command create it, or fix build.output in the spec',
    );
  }
  return packDirectory(root, tarPath);
}

/** The output sub-directory as a normalised relative path that stays inside the copy. */
function checkOutput(output: string): string | null {
  const normalised = path.posix.normalize(output.replaceAll('\\', '/')).replace(/\/+$/, '');
  if (path.posix.isAbsolute(normalised) || normalised === '..' || normalised.startsWith('../')) {
    throw new SkiffError('SKIFF_BAD_REQUEST', `build output "${output}" is outside the service directory`, {
      hint: 'give a sub-directory of the service directory, such as dist',
    });
  }
  return normalised === '' || normalised === '.' ? null : normalised;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
