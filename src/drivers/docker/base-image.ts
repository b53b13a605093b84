/**
 * The local base image for Node.js services: no image can be pulled from a registry here, so it
 * is assembled `FROM scratch` out of this machine's own node binary, the shared libraries it
 * links (as `ldd` lists them, at the same paths, so the ELF interpreter path baked into the
 * binary resolves), a minimal /etc/passwd and the CA bundle. A label records which node binary
 * it came from; a build with the same binary reuses the tagged image.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { buildImage, inspectImage } from './image-build.js';
import type { TarEntry } from './tar-stream.js';

export const DEFAULT_BASE_IMAGE_TAG = `skiff-node-base:${process.versions.node.split('.')[0] ?? '20'}`;
export const BASE_IMAGE_SOURCE_LABEL = 'skiff.base.source';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const NODE_IN_IMAGE = '/usr/local/bin/node';

export interface BaseImageOptions {
  /** The node binary to put in the image; default: the one running this code. */
  readonly nodePath?: string;
  readonly tag?: string;
  /** Build even when an image built from the same binary has the tag. */
  readonly force?: boolean;
}

export interface BaseImage {
  readonly id: string;
  readonly tag: string;
  /** False when the tagged image was already built from this binary. */
  readonly built: boolean;
}

/** The absolute library paths in `ldd` output (the vDSO has none and is skipped). */
export function parseLddOutput(text: string): string[] {
  const paths: string[] = [];
  for (const line of text.split('\n')) {
    const match = /=>\s*(\/\S+)\s+\(/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match?.[1] && !paths.includes(match[1])) paths.push(match[1]);
  }
  return paths;
}

/** Every parent directory of `paths`, parents first, without `/`. */
function parentDirectories(paths: readonly string[]): string[] {
  const directories = new Set<string>();
  for (const path of paths) {
    const parts = posix.dirname(path).split('/').filter(Boolean);
    for (let end = 1; end <= parts.length; end += 1) directories.add(`/${parts.slice(0, end).join('/')}`);
  }
  return [...directories].sort();
}

export const baseDockerfile = [
  'FROM scratch',
  'COPY rootfs/ /',
  'ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production',
  'WORKDIR /app',
  'USER 1000:1000',
  `CMD ["${NODE_IN_IMAGE}"]`,
  '',
].join('\n');

const passwd = 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n';
const group = 'root:x:0:\nnode:x:1000:\n';

/** The build context: Dockerfile plus `rootfs/` holding node, its libraries and /etc basics. */
export async function baseImageEntries(nodePath: string, libraries: readonly string[]): Promise<TarEntry[]> {
  const files = new Map<string, string>([[NODE_IN_IMAGE, await realpath(nodePath)]]);
  // Stored under the path the loader asks for, with the content of the symlink's target.
  for (const library of libraries) files.set(library, await realpath(library));
  if (existsSync(CA_BUNDLE)) files.set(CA_BUNDLE, await realpath(CA_BUNDLE));
  const directories = parentDirectories([...files.keys(), '/etc/passwd', '/home/node/x', '/app/x', '/root/x']);
  return [
    { kind: 'file', path: 'Dockerfile', content: baseDockerfile },
    { kind: 'directory', path: 'rootfs' },
    ...directories.map((directory): TarEntry => ({ kind: 'directory', path: `rootfs${directory}` })),
    { kind: 'directory', path: 'rootfs/tmp', mode: 0o1777 },
    { kind: 'file', path: 'rootfs/etc/passwd', content: passwd },
    { kind: 'file', path: 'rootfs/etc/group', content: group },
    ...[...files].map(([target, source]): TarEntry => ({ kind: 'host-file', path: `rootfs${target}`, source })),
  ];
}

/** Identifies the node binary (path, size, mtime and version) cheaply, without hashing 100 MB. */
async function sourceFingerprint(nodePath: string, libraries: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of [nodePath, ...libraries]) {
    const info = await stat(path);
    hash.update(`${path}:${info.size}:${info.mtimeMs}\n`);
  }
  hash.update(baseDockerfile);
  return hash.digest('hex').slice(0, 32);
}

/** The shared libraries `nodePath` links, from `ldd`. */
export async function linkedLibraries(nodePath: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ldd', [nodePath], { encoding: 'utf8' });
  return parseLddOutput(stdout);
}

async function nodeVersion(nodePath: string): Promise<string> {
  const { stdout } = await promisify(execFile)(nodePath, ['--version'], { encoding: 'utf8' });
  return stdout.trim();
}

/** Builds (or reuses) the base image and returns its id and tag. */
export async function ensureBaseImage(docker: Docker, options: BaseImageOptions = {}): Promise<BaseImage> {
  const nodePath = await realpath(options.nodePath ?? process.execPath);
  const tag = options.tag ?? DEFAULT_BASE_IMAGE_TAG;
  const libraries = await linkedLibraries(nodePath);
  const source = await sourceFingerprint(nodePath, libraries);
  if (!options.force) {
    const existing = await inspectImage(docker, tag);
    if (existing && existing.labels[BASE_IMAGE_SOURCE_LABEL] === source) return { id: existing.id, tag, built: false };
  }
  const id = await buildImage(docker, {
    entries: await baseImageEntries(nodePath, libraries),
    tag,
    labels: { [BASE_IMAGE_SOURCE_LABEL]: source, 'skiff.base.node-version': await nodeVersion(nodePath) },
  });
  return { id, tag, built: true };
}
