/**
 * A function release's artifact as an image: Skiff's Node.js base image with the artifact unpacked
 * in /app (the working directory, as for a process service) and Skiff's function runtime in
 * /skiff/runtime, the image's entry point (drivers/function/runtime/container-main.ts). The
 * Deployment gives the handler, timeout and concurrency as its `args`, so one image serves every
 * release of the same artifact. The runtime's files are the entry and the modules it imports,
 * found by following its relative imports in this installation's built code; the image is labelled
 * with a hash of them, so an image made by another build of Skiff is made again.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { SkiffError } from '../../../core/errors.js';
import { buildImage, ensureBaseImage, type TarEntry } from '../../../drivers/docker/index.js';
import { ARTIFACT_LABEL } from './artifact-image.js';

export const FUNCTION_RUNTIME_LABEL = 'skiff.function-runtime';
/** Where the runtime is in the image. */
export const FUNCTION_RUNTIME_DIR = '/skiff/runtime';

/** This installation's built container entry of the function runtime (dist/ when Skiff runs from its build). */
export const defaultFunctionRuntimeEntry = fileURLToPath(new URL('../../../drivers/function/runtime/container-main.js', import.meta.url));

export interface FunctionRuntime {
  /** The files under the runtime's directory, by their path there. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** A hash of every file's path and content. */
  readonly hash: string;
}

function runtimeMissing(reason: string): SkiffError {
  return new SkiffError('SKIFF_DOCKER_BUILD_FAILED', `the function runtime cannot be put into an image: ${reason}`, {
    hint: 'build Skiff (npm run build) in the installation `skiff up` runs from',
  });
}

const importPattern = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * The entry and every module it imports, transitively, read from disk. Only Node's own modules
 * and files beside the entry may be imported: the image has no node_modules.
 */
export async function functionRuntime(entry: string): Promise<FunctionRuntime> {
  const root = path.dirname(entry);
  const files = new Map<string, Buffer>();
  const pending = [path.basename(entry)];
  while (pending.length > 0) {
    const relative = pending.pop() as string;
    if (files.has(relative)) continue;
    const content = await readFile(path.join(root, relative)).catch((error: unknown) => {
      throw runtimeMissing(`${path.join(root, relative)} cannot be read: ${(error as Error).message}`);
    });
    files.set(relative, content);
    for (const match of content.toString('utf8').matchAll(importPattern)) {
      const specifier = (match[1] ?? match[2]) as string;
      if (specifier.startsWith('node:')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(relative), specifier));
      if (!specifier.startsWith('.') || target.startsWith('..')) throw runtimeMissing(`${relative} imports ${specifier}, which is not beside the runtime`);
      pending.push(target);
    }
  }
  const hash = createHash('sha256');
  for (const [name, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(`${name}\n`).update(content);
  return { files, hash: hash.digest('hex').slice(0, 16) };
}

/** The Dockerfile of a function image on `baseImage` (an image id). */
export function functionDockerfile(baseImage: string, entry: string): string {
  const run = ['node', `${FUNCTION_RUNTIME_DIR}/${entry}`];
  return [`FROM ${baseImage}`, 'ADD artifact.tar /app/', `COPY runtime ${FUNCTION_RUNTIME_DIR}/`, 'WORKDIR /app', `ENTRYPOINT ${JSON.stringify(run)}`, ''].join('\n');
}

export interface FunctionImageBuild {
  readonly archivePath: string;
  readonly artifactDigest: string;
  /** The runtime's container entry (defaultFunctionRuntimeEntry). */
  readonly runtimeEntry: string;
  readonly tag: string;
}

/** Builds the image and returns its id (`sha256:…`). */
export async function buildFunctionImage(docker: Docker, build: FunctionImageBuild): Promise<string> {
  const runtime = await functionRuntime(build.runtimeEntry);
  const base = await ensureBaseImage(docker);
  const runtimeFiles: TarEntry[] = [...runtime.files].map(([name, content]) => ({ kind: 'file', path: `runtime/${name}`, content, mode: 0o644 }));
  return buildImage(docker, {
    tag: build.tag,
    entries: [
      { kind: 'file', path: 'Dockerfile', content: functionDockerfile(base.id, path.basename(build.runtimeEntry)) },
      { kind: 'host-file', path: 'artifact.tar', source: build.archivePath },
      // The runtime is ES modules in .js files.
      { kind: 'file', path: 'runtime/package.json', content: '{ "type": "module" }\n', mode: 0o644 },
      ...runtimeFiles,
    ],
    labels: { [ARTIFACT_LABEL]: build.artifactDigest, [FUNCTION_RUNTIME_LABEL]: runtime.hash },
  });
}
