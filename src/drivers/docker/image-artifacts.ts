/**
 * Images as artifacts: `skiff build` of a docker service builds its Dockerfile with the engine
 * (or pins an `image: { ref }` to the id it has now) and records the image id as the artifact's
 * digest. The engine holds the image; Skiff keeps a record per service beside the archive records
 * (`<dir>/<hex>.<service>.json`, with `kind: "image"`). Before every start the image is looked up
 * by id, so a release runs exactly the image that was built, or does not start.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { ArtifactRecord } from '../../artifacts/artifact-record.js';
import { checkServiceName, newestFirst } from '../../artifacts/artifact-record.js';
import { readSourceInfo } from '../../artifacts/source-info.js';
import type { Clock } from '../../core/clock.js';
import { SkiffError } from '../../core/errors.js';
import type { ImageBuildSource } from '../../spec/desired.js';
import type { ImageSpec } from '../../spec/schema.js';
import { DEFAULT_BASE_IMAGE_TAG, ensureBaseImage } from './base-image.js';
import { contextEntries, dockerfileBases } from './build-context.js';
import { connectEngine, describeEngine, engineUnavailableError, probeEngine } from './engine.js';
import type { EngineAddress } from './engine.js';
import { buildImage, inspectImage } from './image-build.js';

export interface ImageArtifactRecord extends ArtifactRecord {
  readonly kind: 'image';
  /** The `name:tag` it was pinned from (`image: { ref }`), or null for a Dockerfile build. */
  readonly ref: string | null;
}

export interface ImageArtifactsOptions extends EngineAddress {
  /** Where the records are kept. */
  readonly dir: string;
  readonly clock: Clock;
  /** The environment `git` runs with to read the context's commit. */
  readonly env: Readonly<Record<string, string>>;
}

export interface ImageArtifacts {
  /**
   * Builds (dockerfile) or pins (ref) the service's image and records it. `commit`: the service
   * directory lies in a clean tree of that commit (which has no .git to read it from).
   */
  build(options: { readonly service: string; readonly serviceDir: string; readonly image: ImageSpec; readonly commit?: string | undefined }): Promise<ImageArtifactRecord>;
  /** The service's image artifacts, newest build first. */
  list(service: string): Promise<ImageArtifactRecord[]>;
  /** Whether some service recorded this digest as an image. */
  isImage(digest: string): Promise<boolean>;
  /** The id of an image the engine has (given by id or `name:tag`); SKIFF_DOCKER_UNAVAILABLE or SKIFF_DOCKER_IMAGE_MISSING otherwise. */
  require(image: string, service: string): Promise<string>;
  /** Builds the Dockerfile of a service running from its source directory; returns the image id. */
  buildSource(service: string, source: ImageBuildSource): Promise<string>;
}

const recordPattern = /^([0-9a-f]{64})\.(.+)\.json$/;

/** Docker repository names are lower case. */
function repositoryOf(service: string): string {
  return `skiff-${service.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`;
}

export function createImageArtifacts(options: ImageArtifactsOptions): ImageArtifacts {
  const address: EngineAddress = options.dockerHost !== undefined ? { dockerHost: options.dockerHost } : {};
  const docker = connectEngine(address);
  const inFlight = new Map<string, Promise<string>>();

  async function engine(): Promise<Docker> {
    const status = await probeEngine(docker);
    if (!status.reachable) throw engineUnavailableError(address, status.reason);
    return docker;
  }

  async function readRecords(): Promise<ImageArtifactRecord[]> {
    const names = await readdir(options.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const records = await Promise.all(
      names.filter((name) => recordPattern.test(name)).map(async (name) => JSON.parse(await readFile(path.join(options.dir, name), 'utf8')) as ImageArtifactRecord),
    );
    return records.sort(newestFirst);
  }

  async function saveRecord(record: ImageArtifactRecord): Promise<void> {
    await mkdir(options.dir, { recursive: true });
    const temp = path.join(options.dir, `.${randomBytes(8).toString('hex')}.tmp`);
    await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx' });
    await rename(temp, path.join(options.dir, `${record.digest.slice('sha256:'.length)}.${record.service}.json`));
  }

  /** The images named in FROM that are Skiff's local base image get built when the engine lacks them. */
  async function ensureBases(engineClient: Docker, dockerfileText: string): Promise<void> {
    const baseRepository = DEFAULT_BASE_IMAGE_TAG.split(':')[0] ?? 'skiff-node-base';
    for (const base of dockerfileBases(dockerfileText)) {
      if (!base.startsWith(`${baseRepository}:`)) continue;
      if ((await inspectImage(engineClient, base)) === null) await ensureBaseImage(engineClient, { tag: base });
    }
  }

  async function buildFromContext(service: string, source: ImageBuildSource, tag: string): Promise<string> {
    const engineClient = await engine();
    const dockerfileText = await readFile(path.join(source.context, source.dockerfile), 'utf8').catch(() => {
      throw new SkiffError('SKIFF_DOCKER_BUILD_FAILED', `${service} has no Dockerfile at ${path.join(source.context, source.dockerfile)}`, {
        hint: 'check `image.dockerfile` (relative to the service directory) in the spec',
      });
    });
    await ensureBases(engineClient, dockerfileText);
    return buildImage(engineClient, {
      entries: await contextEntries(source.context),
      tag,
      dockerfile: source.dockerfile,
      labels: { 'skiff.service': service },
    });
  }

  async function require(image: string, service: string): Promise<string> {
    const found = await inspectImage(await engine(), image);
    if (found === null) {
      throw new SkiffError('SKIFF_DOCKER_IMAGE_MISSING', `image ${image} of ${service} is not in the Docker engine at ${describeEngine(address)}`, {
        hint: 'build it again (`skiff build`) and deploy the new artifact; Skiff pulls nothing from a registry',
      });
    }
    return found.id;
  }

  return {
    async build({ service, serviceDir, image, commit }) {
      checkServiceName(service);
      let id: string;
      let ref: string | null = null;
      if ('ref' in image) {
        ref = image.ref;
        id = await require(image.ref, service);
      } else {
        const context = path.resolve(serviceDir, image.context);
        const source = { context, dockerfile: path.relative(context, path.resolve(serviceDir, image.dockerfile)) };
        id = await buildFromContext(service, source, `${repositoryOf(service)}:build`);
      }
      const engineClient = await engine();
      // A tag per image keeps an older build from being pruned as dangling once `:build` moves on.
      await engineClient.getImage(id).tag({ repo: repositoryOf(service), tag: id.slice('sha256:'.length, 'sha256:'.length + 12) });
      const info = await engineClient.getImage(id).inspect();
      const now = new Date(options.clock.now()).toISOString();
      const previous = (await readRecords()).find((record) => record.digest === id && record.service === service);
      const record: ImageArtifactRecord = {
        kind: 'image',
        service,
        digest: id as ArtifactRecord['digest'],
        size: info.Size,
        createdAt: previous?.createdAt ?? now,
        builtAt: now,
        source: commit ? { commit, dirty: false } : await readSourceInfo(serviceDir, options.env),
        buildCommand: null,
        output: null,
        ref,
      };
      await saveRecord(record);
      return record;
    },
    async list(service) {
      return (await readRecords()).filter((record) => record.service === service);
    },
    async isImage(digest) {
      return (await readRecords()).some((record) => record.digest === digest);
    },
    require,
    buildSource(service, source) {
      const key = `${source.context}\0${source.dockerfile}`;
      // Instances starting together share one build.
      const running = inFlight.get(key);
      if (running) return running;
      const build = buildFromContext(service, source, `${repositoryOf(service)}:source`).finally(() => inFlight.delete(key));
      inFlight.set(key, build);
      return build;
    },
  };
}
