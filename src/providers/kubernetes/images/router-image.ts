/**
 * The image of Skiff's router for a cluster: this installation's built `dist/`, its package.json
 * and its production node_modules (the packages package-lock.json does not mark `dev`) in /app on
 * Skiff's Node.js base image (built locally: nothing is pulled; files nothing runs are left out), pushed to the environment's
 * registry and referenced by digest. The tag is a hash of every file in it, so the same build of
 * Skiff gives the same reference and is pushed once.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SkiffError } from '../../../core/errors.js';
import { buildImage, ensureBaseImage, type EngineAddress, type TarEntry } from '../../../drivers/docker/index.js';
import { contextEntries } from '../../../drivers/docker/build-context.js';
import { imageRepository, pinnedImage } from './image-names.js';
import { pushImage } from './image-push.js';
import { manifestDigest } from './registry-api.js';
import type { RegistryCredentials } from './registry-auth.js';
import { reachableEngine, type ReleaseImage } from './release-image.js';

export const ROUTER_REPOSITORY = 'skiff-router';
/** What the router Deployment runs (manifests/router.ts). */
export const ROUTER_ENTRY = '/app/dist/main/router-process.js';
export const ROUTER_CONTENT_LABEL = 'skiff.router.content';

export interface RouterImageOptions {
  /** The Skiff installation: holds dist/, package.json, package-lock.json and node_modules/. */
  readonly skiffRoot: string;
  /** The environment's `registry:`. */
  readonly registry: string;
  /** When the registry asks for them. */
  readonly credentials?: RegistryCredentials;
  readonly engine: EngineAddress;
}

interface LockFile {
  readonly packages?: Readonly<Record<string, { readonly dev?: boolean; readonly devOptional?: boolean; readonly optional?: boolean }>>;
}

/** The top-level folders of node_modules that production needs (nested ones come with their parent). */
export function productionPackages(lock: LockFile): string[] {
  return Object.entries(lock.packages ?? {})
    .filter(([where, entry]) => where.startsWith('node_modules/') && !where.slice('node_modules/'.length).includes('/node_modules/') && !entry.dev && !entry.devOptional)
    .map(([where]) => where)
    .sort();
}

function buildFailed(reason: string): SkiffError {
  return new SkiffError('SKIFF_DOCKER_BUILD_FAILED', `the router image cannot be made: ${reason}`, {
    hint: 'install and build Skiff (npm ci && npm run build) in the installation the router image is made from',
  });
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    throw buildFailed(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/**
 * What nothing reads at run time, left out (half the size): type declarations, source maps,
 * Markdown, and a native addon's build intermediates and the sources it was built from.
 */
function unneeded(relative: string, addon: boolean): boolean {
  if (/\.(d\.[cm]?ts|map|md)$/i.test(relative)) return true;
  return addon && (/^build\/(Release|Debug)\/obj(\.target)?(\/|$)/.test(relative) || /^deps(\/|$)/.test(relative));
}

/** The files of the image under `app/`: dist/, package.json and the production packages; a missing optional package is left out. */
async function routerFiles(root: string): Promise<TarEntry[]> {
  await readFile(path.join(root, 'dist', 'main', 'router-process.js')).catch((error: unknown) => {
    throw buildFailed(`${path.join(root, 'dist', 'main', 'router-process.js')} is missing: ${(error as Error).message}`);
  });
  const lock = await readJson<LockFile>(path.join(root, 'package-lock.json'));
  const folders = ['dist', ...productionPackages(lock)];
  const entries: TarEntry[] = [{ kind: 'host-file', path: 'app/package.json', source: path.join(root, 'package.json'), mode: 0o644 }];
  for (const folder of folders) {
    const found = await contextEntries(path.join(root, folder)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' && (folder === 'dist' || !lock.packages?.[folder]?.optional)) {
        throw buildFailed(`${path.join(root, folder)} is missing`);
      }
      return [];
    });
    const addon = existsSync(path.join(root, folder, 'binding.gyp'));
    for (const entry of found) if (!unneeded(entry.path, addon)) entries.push({ ...entry, path: `app/${folder}/${entry.path}` });
  }
  return entries;
}

/** A hash of every path and file content: the same files give the same tag. */
async function contentTag(entries: readonly TarEntry[], version: string): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of [...entries].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    hash.update(`${entry.kind} ${entry.path} ${entry.mode ?? ''}\n`);
    if (entry.kind === 'host-file') for await (const chunk of createReadStream(entry.source)) hash.update(chunk as Buffer);
  }
  return `${version}-${hash.digest('hex').slice(0, 12)}`;
}

export function routerDockerfile(baseImage: string): string {
  return [`FROM ${baseImage}`, 'COPY app /app/', 'WORKDIR /app', `CMD ${JSON.stringify(['node', ROUTER_ENTRY])}`, ''].join('\n');
}

/** The router's image in the registry, by digest: reused when the registry has this content's tag, else built and pushed. */
export async function routerImage(options: RouterImageOptions): Promise<ReleaseImage> {
  const repository = imageRepository(options.registry, ROUTER_REPOSITORY);
  const files = await routerFiles(options.skiffRoot);
  const { version } = await readJson<{ version?: string }>(path.join(options.skiffRoot, 'package.json'));
  const tag = await contentTag(files, version ?? '0');
  const { credentials } = options;
  const existing = await manifestDigest(repository, tag, credentials);
  if (existing !== null) return { reference: pinnedImage(repository, existing), digest: existing, pushed: false };
  const docker = await reachableEngine(options.engine);
  const base = await ensureBaseImage(docker);
  await buildImage(docker, {
    tag: `${repository}:${tag}`,
    entries: [{ kind: 'file', path: 'Dockerfile', content: routerDockerfile(base.id) }, ...files],
    labels: { [ROUTER_CONTENT_LABEL]: tag },
  });
  const digest = (await pushImage(docker, repository, tag, credentials)) ?? (await manifestDigest(repository, tag, credentials));
  if (digest === null) {
    throw new SkiffError('SKIFF_IMAGE_PUSH_FAILED', `the engine pushed ${repository}:${tag}, but the registry does not list it`, {
      hint: "check that the environment's `registry:` names the registry the engine pushes to",
    });
  }
  return { reference: pinnedImage(repository, digest), digest, pushed: true };
}

/**
 * The router image of each registry, by digest, made once per registry while this process runs
 * (hashing Skiff's files takes seconds); a failed attempt is not kept, so the next start tries again.
 */
export function createRouterImagePublisher(options: Omit<RouterImageOptions, 'registry' | 'credentials'>): (registry: string, credentials?: RegistryCredentials) => Promise<string> {
  const made = new Map<string, Promise<string>>();
  return (registry, credentials) => {
    let image = made.get(registry);
    if (!image) {
      image = routerImage({ ...options, registry, ...(credentials ? { credentials } : {}) }).then((found) => found.reference);
      made.set(registry, image);
      image.catch(() => made.delete(registry));
    }
    return image;
  };
}
